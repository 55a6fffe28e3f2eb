import { QueryTypes } from 'sequelize'
import { SequelizeRegistry } from '../src/registry/sequelize/sequelize-registry.js'
import {
  loginOverHttp,
  spawnServer,
  whoIs,
  type LoginTiming,
  type ServerProcess,
} from './client.js'
import {
  countRows,
  Filler,
  freshDatabase,
  quoteName,
  quoteTable,
  REGISTRY_TABLE,
  SESSION_TABLE,
  type BenchDatabase,
} from './database.js'
import { table, type ScalingPoint, type Section } from './report.js'
import { count, median, ms, p95, ratio, timed } from './stats.js'

export interface LoginScalingOptions {
  sizes: number[]
  /** Logins per size and per app. */
  logins: number
  log: (line: string) => void
}

const BATCH = 25
const FILLER_USERS = 10_000_000
const LOGIN_USERS = 200_000_000
const PLAIN_USERS = 300_000_000
/** Page size of the baseline's scan: Django's QuerySet.iterator() default chunk. */
const SCAN_PAGE = 2000

/**
 * Login cost against store size, all sizes side by side. For each size, `logins`
 * users who each have 2 older sessions log in with the plugin (which evicts both), interleaved
 * in batches with as many plain logins on the same store. Beside it: the plugin's indexed
 * lookup of one user's sessions, and the baseline from the Django world, which finds a user's
 * sessions by reading and decoding every session row.
 */
export async function loginScaling(
  options: LoginScalingOptions,
): Promise<Section & { points: ScalingPoint[] }> {
  const { sizes, logins, log } = options
  interface Store {
    size: number
    db: BenchDatabase
    server: ServerProcess
    registry: SequelizeRegistry
    fillMs: number
    plugin: LoginTiming[]
    plain: LoginTiming[]
    nextLogin: number
    nextPlain: number
  }
  const stores: Store[] = []
  const points: ScalingPoint[] = []
  const rows: string[][] = []
  try {
    // One database and one app process per size, all alive at once, so that the logins of
    // every size can be interleaved in one run.
    for (const size of sizes) {
      const db = await freshDatabase(`login_scaling_${size}`)
      const filler = new Filler(db)
      const fill = await timed(async () => {
        await filler.fill(Math.max(0, size - logins * 2), 1, FILLER_USERS)
        await filler.fill(logins, 2, LOGIN_USERS)
        await filler.analyze()
      })
      const store: Store = {
        size: await countRows(db, SESSION_TABLE),
        db,
        server: await spawnServer(db.url),
        registry: new SequelizeRegistry(db.sequelize, REGISTRY_TABLE),
        fillMs: fill.ms,
        plugin: [],
        plain: [],
        nextLogin: LOGIN_USERS,
        nextPlain: PLAIN_USERS,
      }
      stores.push(store)
      log(`login-scaling: ${count(store.size)} sessions filled in ${ms(fill.ms)}`)
    }
    // Warm-up: connections, caches, JIT.
    for (const store of stores) {
      for (let i = 0; i < 30; i++) {
        await loginOverHttp(store.server.plain, store.nextPlain++)
        await loginOverHttp(store.server.plugin, `warm_${i}`)
      }
    }
    // Batches rotate over the sizes, and plugin/plain alternate within each.
    for (let batch = 0, done = 0; done < logins; batch++, done += BATCH) {
      const n = Math.min(BATCH, logins - done)
      for (let k = 0; k < stores.length; k++) {
        const store = stores[(batch + k) % stores.length]!
        const runPlugin = async () => {
          for (let i = 0; i < n; i++) {
            store.plugin.push(await loginOverHttp(store.server.plugin, store.nextLogin++))
          }
        }
        const runPlain = async () => {
          for (let i = 0; i < n; i++) {
            store.plain.push(await loginOverHttp(store.server.plain, store.nextPlain++))
          }
        }
        if ((batch + k) % 2 === 0) {
          await runPlugin()
          await runPlain()
        } else {
          await runPlain()
          await runPlugin()
        }
      }
      log(`login-scaling: ${count(done + n)} of ${count(logins)} logins per size`)
    }

    for (const { size, db, server, registry, fillMs, plugin, plain } of stores) {
      // The logins did what they should: the user has exactly the new session.
      const check = await registry.list(String(LOGIN_USERS))
      if (check.length !== 1) throw new Error(`user ${LOGIN_USERS} has ${check.length} sessions`)
      if ((await whoIs(server.plugin, plugin[0]!.cookie)) !== String(LOGIN_USERS)) {
        throw new Error('plugin login did not sign in')
      }
      // The plugin's way to find a user's sessions: the userId index.
      const lookups: number[] = []
      for (let i = 0; i < 200; i++) {
        const user = String(FILLER_USERS + ((i * 7919) % Math.max(1, size - logins * 2)))
        lookups.push((await timed(() => registry.list(user))).ms)
      }
      // The baseline: read and decode every session, keep the ones of the user.
      const scans: number[] = []
      const repeats = size >= 500_000 ? 2 : size >= 50_000 ? 3 : 10
      for (let i = 0; i < repeats; i++) {
        const target = String(LOGIN_USERS + i)
        const scan = await timed(() => scanForUser(db, target))
        if (scan.value !== 1) throw new Error(`scan found ${scan.value} sessions of ${target}`)
        scans.push(scan.ms)
      }
      const point: ScalingPoint = {
        size,
        pluginLogin: median(plugin.map((t) => t.http)),
        pluginLoginP95: p95(plugin.map((t) => t.http)),
        plainLogin: median(plain.map((t) => t.http)),
        lookup: median(lookups),
        scan: median(scans),
      }
      points.push(point)
      rows.push([
        count(size),
        ms(fillMs),
        ms(point.pluginLogin),
        ms(point.pluginLoginP95),
        ms(median(plugin.map((t) => t.server))),
        ms(point.plainLogin),
        ms(median(plain.map((t) => t.server))),
        ms(point.lookup),
        ms(point.scan),
      ])
      log(
        `  ${count(size)}: plugin login ${ms(point.pluginLogin)} (p95 ${ms(point.pluginLoginP95)}), plain ${ms(point.plainLogin)}, lookup ${ms(point.lookup)}, scan ${ms(point.scan)}`,
      )
    }
  } finally {
    for (const store of stores) {
      await store.server.close()
      await store.db.drop()
    }
  }

  const first = points[0]!
  const last = points.at(-1)!
  const growth = last.pluginLogin / first.pluginLogin
  const scanGrowth = last.scan / first.scan
  const body = `
One database and one app process per size, all alive at once; ${count(logins)} logins per size
and per app over HTTP on loopback, in batches of ${BATCH} that rotate over the sizes, plugin and
plain alternating, so that every size sees the same noise. Each plugin login is a user with 2 older sessions, both evicted (limit 1).
"login()" is the time the server spent inside \`login()\` (Server-Timing header); "HTTP" is the
whole round trip, the end-of-request session save included. The lookup is the library's
\`listSessions(userId)\` (index on userId), median of 200; the baseline reads every session row
in pages of ${SCAN_PAGE} (keyset on sid) and JSON-decodes it, as the Django management command
does, median of 2 to 10 runs. Rows are written by INSERT ... SELECT over a generated series
into tables created by the library's \`migrate()\`.

${table(
  [
    'sessions',
    'fill',
    'plugin login, HTTP median',
    'p95',
    'login() median',
    'plain login, HTTP median',
    'regenerate+save median',
    'plugin lookup',
    'baseline scan',
  ],
  rows,
)}

From ${count(first.size)} to ${count(last.size)} sessions the plugin's median login grows
${ratio(growth)}; the baseline's scan grows ${ratio(scanGrowth)}.
`
  return {
    title: 'Login cost against store size',
    body,
    points,
    bars: [
      {
        name: 'Login at max size vs min size',
        bar: `median at ${count(last.size)} <= 1.5x median at ${count(first.size)}`,
        measured: `${ratio(growth)} (${ms(last.pluginLogin)} vs ${ms(first.pluginLogin)}); baseline scan ${ratio(scanGrowth)}`,
        met: growth <= 1.5,
      },
    ],
  }
}

/** The baseline: every session row read and decoded to find one user's sessions. */
async function scanForUser(db: BenchDatabase, userId: string): Promise<number> {
  const sid = quoteName(db.sequelize, 'sid')
  const data = quoteName(db.sequelize, 'data')
  const from = quoteTable(db.sequelize, SESSION_TABLE)
  let after = ''
  let found = 0
  for (;;) {
    const page = await db.sequelize.query<{ sid: string; data: string }>(
      `SELECT ${sid} AS sid, ${data} AS data FROM ${from} WHERE ${sid} > :after ORDER BY ${sid} LIMIT ${SCAN_PAGE}`,
      { replacements: { after }, type: QueryTypes.SELECT },
    )
    for (const row of page) {
      const decoded = JSON.parse(row.data) as { singleSession?: { uid?: string } }
      if (decoded.singleSession?.uid === userId) found++
    }
    if (page.length < SCAN_PAGE) return found
    after = page.at(-1)!.sid
  }
}
