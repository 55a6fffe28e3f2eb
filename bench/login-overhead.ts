import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'
import { createBenchApps } from './apps.js'
import { loginOverHttp, spawnServer, type LoginTiming } from './client.js'
import { Filler, freshDatabase, type BenchDatabase } from './database.js'
import { table, type Section } from './report.js'
import { count, median, ms, p95, ratio } from './stats.js'
import { closeStore, STORE_LABELS, storeQueryLog, type StoreKind } from './stores.js'

export interface LoginOverheadOptions {
  /** Logins per variant. */
  logins: number
  /** Sessions in the store besides the ones of the users who log in. */
  storeSize: number
  /** Older sessions of each user of the evicting variant (the limit is 1): 2 by default. */
  priorSessions?: number
  /** The express-session store of both apps; connect-session-sequelize by default. */
  store?: StoreKind
  log: (line: string) => void
}

/** Medians over HTTP and of the login step alone, ms. */
export interface LoginFigures {
  plain: number
  first: number
  evict: number
  plainStep: number
  evictStep: number
  /** Statements of one login of each variant (and of them, writes). */
  statements: Record<'plain' | 'first' | 'evict', { all: number; writes: number }>
}

const BATCH = 20

/**
 * A login with the plugin against a plain express-session login (regenerate, then save) on the
 * same app, store and table. Three variants interleaved in rotating batches: plain, plugin on
 * a user's first session (nothing to evict), plugin on a user with `priorSessions` older
 * sessions (all evicted, the full regenerate-record-prune path). The bar is on the last one.
 * On MemoryStore (in the server process) the older sessions are made by logging in over HTTP
 * before the timed run.
 */
export async function loginOverhead(
  options: LoginOverheadOptions,
): Promise<Section & { figures: LoginFigures }> {
  const { logins, storeSize, log } = options
  const store = options.store ?? 'sequelize'
  const prior = options.priorSessions ?? 2
  const db = await freshDatabase('login_overhead', store)
  const filler = new Filler(db)
  await filler.fill(storeSize, 1, 10_000_000)
  if (store !== 'memory') await filler.fill(logins, prior, 20_000_000)
  await filler.analyze()
  const server = await spawnServer(db.url, store)
  const results: Record<'plain' | 'first' | 'evict', LoginTiming[]> = {
    plain: [],
    first: [],
    evict: [],
  }
  const next = { plain: 30_000_000, first: 40_000_000, evict: 20_000_000 }
  let statements: Record<keyof typeof results, string[]> | null = null
  try {
    if (store === 'memory') {
      // One older session per login; with the limit at 1 a second one would evict the first.
      if (prior !== 1) throw new Error('on MemoryStore the evicting variant has 1 older session')
      for (let i = 0; i < logins; i++) await loginOverHttp(server.plugin, 20_000_000 + i)
    }
    for (let i = 0; i < 10; i++) {
      await loginOverHttp(server.plain, `warm_plain_${i}`)
      await loginOverHttp(server.plugin, `warm_plugin_${i}`)
    }
    const variants = ['plain', 'first', 'evict'] as const
    for (let batch = 0, done = 0; done < logins; batch++, done += BATCH) {
      const n = Math.min(BATCH, logins - done)
      // Rotate the order so that no variant always runs right after another.
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(batch + k) % variants.length]!
        const url = variant === 'plain' ? server.plain : server.plugin
        for (let i = 0; i < n; i++) results[variant].push(await loginOverHttp(url, next[variant]++))
      }
    }
    await server.close()
    statements = await statementsPerLogin(db, filler, prior)
  } finally {
    await server.close()
    await db.drop()
  }
  const http = (v: keyof typeof results) => median(results[v].map((t) => t.http))
  const serverSide = (v: keyof typeof results) => median(results[v].map((t) => t.server))
  const overhead = http('evict') / http('plain')
  log(
    `login-overhead (${STORE_LABELS[store]}): plain ${ms(http('plain'))}, plugin first ${ms(http('first'))}, plugin evicting ${prior} ${ms(http('evict'))} (${ratio(overhead)})`,
  )
  const row = (label: string, v: keyof typeof results) => [
    label,
    summary(statements[v]),
    ms(http(v)),
    ms(p95(results[v].map((t) => t.http))),
    ratio(http(v) / http('plain')),
    ms(serverSide(v)),
    ratio(serverSide(v) / serverSide('plain')),
  ]
  const body = `
${count(logins)} logins per variant over HTTP, in rotating batches of ${BATCH}, on a store of
${count(storeSize)} other sessions${store === 'memory' ? ' (in the registry only: the MemoryStore is in the server process)' : ''}; both apps on ${STORE_LABELS[store]}. The server-side column times only the login step (the
plugin's \`login()\`, or \`regenerate()\` + \`save()\`); the HTTP column is the whole request,
including the session save express-session does at the end of it (both apps set
\`req.session.userId\` after the login step).

${table(
  [
    'variant',
    'statements (writes)',
    'HTTP median',
    'HTTP p95',
    'vs plain',
    'login step median',
    'vs plain',
  ],
  [
    row('plain: regenerate + save', 'plain'),
    row("plugin: a user's first session", 'first'),
    row(`plugin: evicting ${prior} older session${prior === 1 ? '' : 's'}`, 'evict'),
  ],
)}

Statements of one login request of each variant (counted in-process with Sequelize's
\`logging\` hook after the timed run${store === 'pg-simple' ? ", and connect-pg-simple's own queries through its `_asyncQuery`" : ''}). "Writes" are the INSERT, UPDATE, DELETE and WITH
statements; each commits on its own. With connect-session-sequelize on PostgreSQL the eviction
is the one WITH statement (the reasons, both deletes and the audit line); elsewhere it is four
writes, in one transaction on MariaDB. With a store outside the registry's database the
registry's end commits first and the store's rows follow:

${(['plain', 'first', 'evict'] as const)
  .map(
    (v) =>
      `- ${v}:\n${statements[v]
        .map(
          (sql) =>
            `  - \`${sql
              .replace(/^Executing \(default\): /, '')
              .replace(/^Executing \([\da-f-]{36}\): /, 'in a transaction: ')
              .replace(/^Executing \(pg-simple\): /, "on the store's pool: ")
              .slice(0, 110)
              .replace(/`/g, '')}\``,
        )
        .join('\n')}`,
  )
  .join('\n')}
`
  const counted = (v: keyof typeof results) => ({
    all: statements[v].length,
    writes: statements[v].filter(isWrite).length,
  })
  return {
    title: 'Login overhead',
    body,
    figures: {
      plain: http('plain'),
      first: http('first'),
      evict: http('evict'),
      plainStep: serverSide('plain'),
      evictStep: serverSide('evict'),
      statements: { plain: counted('plain'), first: counted('first'), evict: counted('evict') },
    },
    bars: [
      {
        name: 'Login with the plugin vs plain',
        bar: `<= 1.5x (HTTP median, evicting ${prior} session${prior === 1 ? '' : 's'})`,
        measured: `${ratio(overhead)} (${ms(http('evict'))} vs ${ms(http('plain'))}); login step alone ${ratio(serverSide('evict') / serverSide('plain'))}`,
        met: overhead <= 1.5,
      },
    ],
  }
}

/** One login of each variant in this process, with every statement it runs. */
async function statementsPerLogin(
  db: BenchDatabase,
  filler: Filler,
  prior: number,
): Promise<Record<'plain' | 'first' | 'evict', string[]>> {
  if (db.store !== 'memory') await filler.fill(1, prior, 50_000_000)
  const { plugin, plain, stores } = createBenchApps(db.sequelize, { store: db.store, url: db.url })
  const storeLogs = [storeQueryLog(stores.plugin), storeQueryLog(stores.plain)]
  const servers: Server[] = []
  const listen = (app: Express) =>
    new Promise<string>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () =>
        resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      )
      servers.push(server)
    })
  const urls = { plugin: await listen(plugin), plain: await listen(plain) }
  if (db.store === 'memory') await loginOverHttp(urls.plugin, 50_000_000)
  const options = (db.sequelize as unknown as { options: { logging: unknown } }).options
  const lines: string[] = []
  const run = async (url: string, user: string | number) => {
    await loginOverHttp(url, `warm_${user}`)
    lines.length = 0
    for (const storeLog of storeLogs) storeLog.lines = lines
    options.logging = (sql: string) => void lines.push(sql)
    for (const storeLog of storeLogs) storeLog.on = true
    await loginOverHttp(url, user)
    options.logging = false
    for (const storeLog of storeLogs) storeLog.on = false
    return [...lines]
  }
  try {
    return {
      plain: await run(urls.plain, 'count_plain'),
      first: await run(urls.plugin, 'count_first'),
      evict: await run(urls.plugin, 50_000_000),
    }
  } finally {
    for (const server of servers) {
      server.closeAllConnections()
      server.close()
    }
    await closeStore(stores.plugin)
    await closeStore(stores.plain)
  }
}

function isWrite(sql: string): boolean {
  return /:\s*(INSERT|UPDATE|DELETE|WITH)/i.test(sql)
}

function summary(statements: string[]): string {
  return `${statements.length} (${statements.filter(isWrite).length})`
}
