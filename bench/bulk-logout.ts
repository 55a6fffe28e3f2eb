import { createSingleSession } from '../src/index.js'
import { countStored, Filler, freshDatabase, REGISTRY_TABLE } from './database.js'
import { table, type Section } from './report.js'
import { count, median, ms } from './stats.js'
import { closeStore, createStore, STORE_LABELS, storeQueryLog, type StoreKind } from './stores.js'

export interface BulkLogoutOptions {
  /** User counts to log out at once; the bar compares the first two. */
  userCounts: number[]
  sessionsPerUser: number
  repeats: number
  storeSize: number
  /** The express-session store; connect-session-sequelize by default. */
  store?: StoreKind
  log: (line: string) => void
}

/** Per user count: statements of one call (library's Sequelize, and the store's own), median ms. */
export type BulkFigures = Map<number, { statements: number; storeQueries: number; ms: number }>

/**
 * The admin's bulk logout, through `singleSession.logoutUsers(ids, { actor })`, which is what
 * the AdminJS bulk action calls. Statements are counted with Sequelize's `logging` hook on the
 * plugin's own Sequelize instance, from the call to its return, and for connect-pg-simple its
 * own queries too (through its `_asyncQuery`).
 */
export async function bulkLogout(
  options: BulkLogoutOptions,
): Promise<Section & { figures: BulkFigures }> {
  const { userCounts, sessionsPerUser, repeats, storeSize, log } = options
  const kind = options.store ?? 'sequelize'
  const db = await freshDatabase('bulk_logout', kind)
  const store = createStore(kind, db.url, db.sequelize)
  // The MemoryStore is in this process: the filler writes its sessions there.
  const memory = (store as { sessions?: Record<string, string> }).sessions
  const filler = new Filler(db, kind === 'memory' ? memory : undefined)
  await filler.fill(storeSize, 1, 10_000_000)
  const singleSession = createSingleSession({ store, sequelize: db.sequelize })
  const storeLog = storeQueryLog(store)
  const statements: string[] = []
  const sequelizeOptions = (
    db.sequelize as unknown as { options: { logging: false | ((sql: string) => void) } }
  ).options
  const rows: string[][] = []
  const measured: BulkFigures = new Map()
  let nextUser = 100_000_000
  try {
    for (const users of userCounts) {
      const times: number[] = []
      let perRun: string[] = []
      for (let r = 0; r < repeats; r++) {
        const first = nextUser
        nextUser += users
        await filler.fill(users, sessionsPerUser, first)
        await filler.analyze()
        const ids = Array.from({ length: users }, (_, i) => first + i)
        const before = await countStored(db, memory)
        statements.length = 0
        storeLog.lines = statements
        sequelizeOptions.logging = (sql: string) => void statements.push(sql)
        storeLog.on = true
        const started = performance.now()
        const report = await singleSession.logoutUsers(ids, {
          actor: { kind: 'user', id: 'admin', label: 'admin@example.com' },
        })
        times.push(performance.now() - started)
        sequelizeOptions.logging = false
        storeLog.on = false
        perRun = [...statements]
        const ended = before - (await countStored(db, memory))
        if (report.sessions !== users * sessionsPerUser || ended !== report.sessions) {
          throw new Error(`logoutUsers ended ${ended}, reported ${report.sessions}`)
        }
        if (report.users.some((u) => u.sessions !== sessionsPerUser)) {
          throw new Error('per-user counts are wrong')
        }
      }
      const kinds = new Map<string, number>()
      for (const sql of perRun) {
        const kind =
          /^Executing \([\w-]+\): (\w+)/.exec(sql)?.[1] ?? /^\s*(\w+)/.exec(sql)?.[1] ?? '?'
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
      }
      const storeQueries = perRun.filter((sql) => sql.startsWith('Executing (pg-simple)')).length
      measured.set(users, { statements: perRun.length, storeQueries, ms: median(times) })
      rows.push([
        count(users),
        count(users * sessionsPerUser),
        String(perRun.length),
        [...kinds].map(([k, n]) => `${n} ${k}`).join(', '),
        ms(median(times)),
        times.map(ms).join(', '),
      ])
      log(
        `bulk-logout (${STORE_LABELS[kind]}): ${count(users)} users: ${perRun.length} statements, ${ms(median(times))}`,
      )
    }
  } finally {
    await closeStore(store)
    await db.drop()
  }
  const [a, b] = userCounts.map((u) => measured.get(u)!)
  const records = REGISTRY_TABLE
  const body = `
\`singleSession.logoutUsers(ids, { actor })\` called directly (the AdminJS bulk action is a thin
wrapper around it), on a ${STORE_LABELS[kind]} store of ${count(storeSize)} other sessions,
each user with ${sessionsPerUser} sessions; ${repeats} runs per row, fresh users each run.
Statements counted with Sequelize's \`logging\` hook on the library's Sequelize instance${
    kind === 'pg-simple' ? " and through connect-pg-simple's `_asyncQuery` (its own pool)" : ''
  }, from the call to its return. Per call the library reads the users' sessions from \`${records}\` (one SELECT per
2,000 users), records why each session ended (one INSERT per 500 sessions), deletes them from
the store (${kind === 'pg-simple' ? 'one DELETE per 5,000 sessions on its pool' : kind === 'memory' ? 'in memory, no statement' : 'one DELETE per 2,000 sessions'}) and from \`${records}\` (one DELETE per 2,000 sessions) and writes the audit
trail (one INSERT per 500 users): batched, but the count steps up every 500 users or sessions.

${table(['users', 'sessions', 'statements', 'kinds', 'median time', 'runs'], rows)}

AdminJS's API client sets no request timeout of its own; what bounds an action is Node's
\`server.requestTimeout\` (300 s by default) and the reverse proxy in front (nginx's
\`proxy_read_timeout\` is 60 s). The bar asks for a tenth of the proxy's limit.
`
  const flat = b!.statements <= a!.statements
  return {
    title: 'Bulk logout',
    body,
    figures: measured,
    bars: [
      {
        name: 'Bulk logout statements',
        bar: `${count(userCounts[1]!)} users x ${sessionsPerUser}: as many as ${count(userCounts[0]!)} users`,
        measured: `${b!.statements} vs ${a!.statements} statements`,
        met: flat,
      },
      {
        name: 'Bulk logout time',
        bar: `${count(userCounts[1]!)} users x ${sessionsPerUser}: under 6 s (a tenth of a proxy's 60 s)`,
        measured: ms(b!.ms),
        met: b!.ms < 6000,
      },
    ],
  }
}
