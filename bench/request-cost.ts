import autocannon from 'autocannon'
import { loginOverHttp, spawnServer, whoIs } from './client.js'
import { Filler, freshDatabase } from './database.js'
import { table, type Section } from './report.js'
import { count, median, percent } from './stats.js'
import { STORE_LABELS, type StoreKind } from './stores.js'

export interface RequestCostOptions {
  /** Seconds per measured run. */
  duration: number
  /** Measured runs per app and per request. */
  rounds: number
  connections: number
  storeSize: number
  /** The express-session store of both apps; connect-session-sequelize by default. */
  store?: StoreKind
  /** Only the GET, or the GET and the POST (the default). */
  getOnly?: boolean
  log: (line: string) => void
}

/** Median throughput of each app for one request. */
export interface RequestFigures {
  pluginRps: number
  plainRps: number
  /** plugin / plain. */
  kept: number
}

interface Run {
  rps: number
  p50: number
  p99: number
}

/**
 * Throughput of an authenticated request, with and without the plugin: the two apps run in one
 * child process on one database; autocannon runs here, in the parent, against one then the
 * other, alternating (ABBA) so that drift and noise hit both. Each connection is its own
 * signed-in user.
 */
export async function requestCost(
  options: RequestCostOptions,
): Promise<Section & { figures: Record<'GET' | 'POST', RequestFigures | null> }> {
  const { duration, rounds, connections, storeSize, log } = options
  const store = options.store ?? 'sequelize'
  const db = await freshDatabase('request_cost', store)
  // A MemoryStore lives in the server process: there the other sessions are in the registry only.
  const filler = new Filler(db)
  await filler.fill(storeSize, 1, 10_000_000)
  await filler.analyze()
  const server = await spawnServer(db.url, store)
  const results: Record<string, Record<'plugin' | 'plain', Run[]>> = {}
  try {
    const cookies = { plugin: [] as string[], plain: [] as string[] }
    for (let i = 0; i < connections; i++) {
      for (const app of ['plugin', 'plain'] as const) {
        const { cookie } = await loginOverHttp(server[app], `${app}_${i}`)
        if ((await whoIs(server[app], cookie)) !== `${app}_${i}`) throw new Error('not signed in')
        cookies[app].push(cookie)
      }
    }
    const requests = [
      { name: 'GET that reads the session', method: 'GET' as const, path: '/me' },
      { name: 'POST that writes the session', method: 'POST' as const, path: '/write' },
    ].filter((request) => !options.getOnly || request.method === 'GET')
    for (const request of requests) {
      const runs = { plugin: [] as Run[], plain: [] as Run[] }
      results[request.name] = runs
      const once = async (app: 'plugin' | 'plain', seconds: number) => {
        let client = 0
        const result = await autocannon({
          url: `${server[app]}${request.path}`,
          method: request.method,
          connections,
          duration: seconds,
          setupClient: (c) => c.setHeaders({ cookie: cookies[app][client++ % connections]! }),
        })
        if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
          throw new Error(
            `${app} ${request.path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
          )
        }
        return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 }
      }
      // Warm-up, not counted.
      await once('plain', Math.min(2, duration))
      await once('plugin', Math.min(2, duration))
      for (let round = 0; round < rounds; round++) {
        const order =
          round % 2 === 0 ? (['plugin', 'plain'] as const) : (['plain', 'plugin'] as const)
        for (const app of order) runs[app].push(await once(app, duration))
      }
      const kept = median(runs.plugin.map((r) => r.rps)) / median(runs.plain.map((r) => r.rps))
      log(`request-cost: ${request.name}: plugin keeps ${percent(kept)} of plain throughput`)
    }
  } finally {
    await server.close()
    await db.drop()
  }

  const rows: string[][] = []
  const bars: Section['bars'] = []
  const figures: Record<'GET' | 'POST', RequestFigures | null> = { GET: null, POST: null }
  for (const [name, runs] of Object.entries(results)) {
    const rps = (app: 'plugin' | 'plain') => median(runs[app].map((r) => r.rps))
    const lat = (app: 'plugin' | 'plain', key: 'p50' | 'p99') =>
      median(runs[app].map((r) => r[key]))
    const kept = rps('plugin') / rps('plain')
    figures[name.startsWith('GET') ? 'GET' : 'POST'] = {
      pluginRps: rps('plugin'),
      plainRps: rps('plain'),
      kept,
    }
    rows.push([
      name,
      count(Math.round(rps('plain'))),
      count(Math.round(rps('plugin'))),
      percent(kept),
      `${lat('plain', 'p50')} / ${lat('plain', 'p99')} ms`,
      `${lat('plugin', 'p50')} / ${lat('plugin', 'p99')} ms`,
      runs.plugin.map((r) => Math.round(r.rps)).join(', '),
      runs.plain.map((r) => Math.round(r.rps)).join(', '),
    ])
    bars.push({
      name: `Throughput, ${name}`,
      bar: name.startsWith('GET') ? '>= 95% of plain' : '(reported)',
      measured: `${percent(kept)} (${count(Math.round(rps('plugin')))} vs ${count(Math.round(rps('plain')))} req/s)`,
      met: name.startsWith('GET') ? kept >= 0.95 : true,
    })
  }
  const body = `
autocannon, ${connections} connections (one signed-in user each), ${rounds} runs of ${duration} s
per app and per request, alternated plugin/plain, plain/plugin, ...; medians of the runs. The
apps run in a child process, autocannon in the parent; ${count(storeSize)} other sessions in the
store${store === 'memory' ? ' (in the registry only: the MemoryStore is in the server process)' : ''}. Plain: express-session with the stock ${STORE_LABELS[store]} store. Plugin: the
same plus the guarded store (${
    store === 'sequelize'
      ? 'one SELECT joining the session to its record on load'
      : "the store's own read, then one registry lookup on load"
  }, an UPDATE-only save) and the last-seen middleware (at most one write per session per
minute).

${table(
  [
    'request',
    'plain req/s',
    'plugin req/s',
    'plugin / plain',
    'plain latency p50 / p99',
    'plugin latency p50 / p99',
    'plugin runs',
    'plain runs',
  ],
  rows,
)}
`
  return { title: 'Cost per request', body, bars, figures }
}
