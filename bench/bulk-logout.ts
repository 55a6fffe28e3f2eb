import SequelizeStoreInit from 'connect-session-sequelize'
import session from 'express-session'
import { createSingleSession } from '../src/index.js'
import { countRows, Filler, freshDatabase, REGISTRY_TABLE, SESSION_TABLE } from './database.js'
import { table, type Section } from './report.js'
import { count, median, ms } from './stats.js'

export interface BulkLogoutOptions {
  /** User counts to log out at once; the bar compares the first two. */
  userCounts: number[]
  sessionsPerUser: number
  repeats: number
  storeSize: number
  log: (line: string) => void
}

/**
 * The admin's bulk logout, through `singleSession.logoutUsers(ids, { actor })`, which is what
 * the AdminJS bulk action calls. Statements are counted with Sequelize's `logging` hook on the
 * plugin's own Sequelize instance, from the call to its return.
 */
export async function bulkLogout(options: BulkLogoutOptions): Promise<Section> {
  const { userCounts, sessionsPerUser, repeats, storeSize, log } = options
  const db = await freshDatabase('bulk_logout')
  const filler = new Filler(db)
  await filler.fill(storeSize, 1, 10_000_000)
  const SequelizeStore = SequelizeStoreInit(session.Store)
  const store = new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 })
  const singleSession = createSingleSession({ store })
  const statements: string[] = []
  const sequelizeOptions = (
    db.sequelize as unknown as { options: { logging: false | ((sql: string) => void) } }
  ).options
  const rows: string[][] = []
  const measured = new Map<number, { statements: number; ms: number }>()
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
        const before = await countRows(db, SESSION_TABLE)
        statements.length = 0
        sequelizeOptions.logging = (sql: string) => void statements.push(sql)
        const started = performance.now()
        const report = await singleSession.logoutUsers(ids, {
          actor: { kind: 'user', id: 'admin', label: 'admin@example.com' },
        })
        times.push(performance.now() - started)
        sequelizeOptions.logging = false
        perRun = [...statements]
        const ended = before - (await countRows(db, SESSION_TABLE))
        if (report.sessions !== users * sessionsPerUser || ended !== report.sessions) {
          throw new Error(`logoutUsers ended ${ended}, reported ${report.sessions}`)
        }
        if (report.users.some((u) => u.sessions !== sessionsPerUser)) {
          throw new Error('per-user counts are wrong')
        }
      }
      const kinds = new Map<string, number>()
      for (const sql of perRun) {
        const kind = /^Executing \(\w+\): (\w+)/.exec(sql)?.[1] ?? /^\s*(\w+)/.exec(sql)?.[1] ?? '?'
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
      }
      measured.set(users, { statements: perRun.length, ms: median(times) })
      rows.push([
        count(users),
        count(users * sessionsPerUser),
        String(perRun.length),
        [...kinds].map(([k, n]) => `${n} ${k}`).join(', '),
        ms(median(times)),
        times.map(ms).join(', '),
      ])
      log(`bulk-logout: ${count(users)} users: ${perRun.length} statements, ${ms(median(times))}`)
    }
  } finally {
    await db.drop()
  }
  const [a, b] = userCounts.map((u) => measured.get(u)!)
  const records = REGISTRY_TABLE
  const body = `
\`singleSession.logoutUsers(ids, { actor })\` called directly (the AdminJS bulk action is a thin
wrapper around it), on a store of ${count(storeSize)} other sessions, each user with
${sessionsPerUser} sessions; ${repeats} runs per row, fresh users each run. Statements counted
with Sequelize's \`logging\` hook on the library's Sequelize instance, from the call to its
return. Per call the library reads the users' sessions from \`${records}\` (one SELECT per
2,000 users), records why each session ended (one INSERT per 500 sessions), deletes them from
the store and from \`${records}\` (one DELETE each per 2,000 sessions) and writes the audit
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
