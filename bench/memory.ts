import { Agent, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createBenchApps } from './apps.js'
import { countRows, freshDatabase, REGISTRY_TABLE, SESSION_TABLE } from './database.js'
import { table, type Section } from './report.js'
import { count, slope } from './stats.js'

export interface MemoryOptions {
  logins: number
  concurrency: number
  samples: number
  log: (line: string) => void
}

/**
 * Many logins in one process, the app and its HTTP client together: heapUsed after a full GC
 * at regular intervals. Half as many users as logins, each signing in twice (the second login
 * evicts the first session), so both the number of users and of stored sessions grow.
 */
export async function memory(options: MemoryOptions): Promise<Section> {
  const { logins, concurrency, samples, log } = options
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const db = await freshDatabase('memory')
  const { plugin } = createBenchApps(db.sequelize)
  const server: Server = await new Promise((resolve) => {
    const s = plugin.listen(0, '127.0.0.1', () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const users = Math.max(1, Math.floor(logins / 2))
  const login = (user: number) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: `/login?u=${user}`, method: 'POST', agent },
        (res) => {
          res.resume()
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`login: ${res.statusCode}`)),
          )
        },
      )
      req.on('error', reject)
      req.end()
    })
  const heap = () => {
    gc()
    gc()
    return process.memoryUsage().heapUsed
  }
  const points: Array<{ logins: number; heap: number; seconds: number }> = []
  const started = performance.now()
  let done = 0
  let sessions = 0
  let records = 0
  try {
    const step = Math.ceil(logins / samples)
    points.push({ logins: 0, heap: heap(), seconds: 0 })
    while (done < logins) {
      const until = Math.min(logins, done + step)
      let next = done
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < until) await login(next++ % users)
        }),
      )
      done = until
      points.push({ logins: done, heap: heap(), seconds: (performance.now() - started) / 1000 })
      log(`memory: ${count(done)} logins, heap ${(points.at(-1)!.heap / 2 ** 20).toFixed(1)} MiB`)
    }
    sessions = await countRows(db, SESSION_TABLE)
    records = await countRows(db, REGISTRY_TABLE)
  } finally {
    agent.destroy()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await db.drop()
  }
  // The first interval warms up (JIT, pools, caches that fill once): the slope is taken after it.
  const steady = points.slice(2)
  const bytesPerLogin = slope(
    steady.map((p) => p.logins),
    steady.map((p) => p.heap),
  )
  const lateHalf = points.slice(Math.floor(points.length / 2))
  const lateBytesPerLogin = slope(
    lateHalf.map((p) => p.logins),
    lateHalf.map((p) => p.heap),
  )
  const growth = bytesPerLogin * logins
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`
  const body = `
${count(logins)} logins of ${count(users)} users (each twice; the second evicts the first) over
HTTP on loopback, ${concurrency} at a time, app and client in one process; heapUsed after two
full GCs every ${count(Math.ceil(logins / samples))} logins. The slope is the least-squares fit
from the second sample on (the first interval warms up). At the end the store held
${count(sessions)} sessions and ${count(records)} records.

${table(
  ['logins', 'heap used', 'elapsed'],
  points.map((p) => [count(p.logins), mib(p.heap), `${p.seconds.toFixed(0)} s`]),
)}

Slope: ${bytesPerLogin.toFixed(2)} bytes per login, ${mib(growth)} over ${count(logins)} logins;
over the second half of the samples alone, ${lateBytesPerLogin.toFixed(2)} bytes per login. Any
state kept per user would cost at least ~80 bytes per user, 40 per login here, and keep growing.
`
  log(`memory: slope ${bytesPerLogin.toFixed(2)} bytes/login`)
  return {
    title: 'Memory',
    body,
    bars: [
      {
        name: 'Heap over many logins',
        bar: `flat: < 16 bytes per login (< ${mib(16 * logins)} over ${count(logins)})`,
        measured: `${bytesPerLogin.toFixed(2)} bytes per login (${mib(points[1]!.heap)} -> ${mib(points.at(-1)!.heap)})`,
        met: bytesPerLogin < 16,
      },
    ],
  }
}
