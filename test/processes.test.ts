import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { QueryTypes } from 'sequelize'
import { createSingleSession } from '../src/index.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { Browser, sidOf } from './support/http.js'
import { prepareExampleDatabase, startAppProcess, type AppProcess } from './support/processes.js'
import { startSlowPost } from './support/slow-request.js'
import {
  createTestStore,
  redisSpaceOf,
  redisUrl,
  storeIsShared,
  storeKind,
  type TestStore,
} from './support/stores.js'

const K = 50
const ROUNDS = 5
const alice = { email: 'alice@example.com', password: 'password' }

/**
 * Real app processes on one database, driven over HTTP. The interleavings are the database's
 * and the operating system's, not ours. The processes keep their sessions in the store that
 * TEST_STORE names (SESSION_STORE of the example app); the tests read it behind their back
 * through test/support/stores.ts ("Sessions" for connect-session-sequelize, "session" for
 * connect-pg-simple, the keys under the test database's prefix for connect-redis).
 */

const skip = storeIsShared()
  ? false
  : `TEST_STORE=${storeKind()} keeps sessions in each process's memory: processes share nothing`
/** The example app's SESSION_STORE for TEST_STORE (only the shared stores run here). */
const SESSION_STORE = storeKind()

/**
 * With Redis, where the processes keep sessions and records: the test database's prefixes
 * (the example app's REDIS_PREFIX; its sessions go under `<prefix>:sess:`, as the test
 * store's do).
 */
function redisSettings(db: TestDatabase): { url: string; prefix: string } | undefined {
  if (storeKind() !== 'redis') return undefined
  return { url: redisUrl(), prefix: redisSpaceOf(db).libraryPrefix }
}

/** Two example-app processes on a fresh database, and the store they share, read directly. */
async function startTwo(
  label: string,
  env: Record<string, string> = {},
): Promise<{ db: TestDatabase; sessions: TestStore; processes: AppProcess[] }> {
  const db = await freshDatabase(label)
  const redis = redisSettings(db)
  await prepareExampleDatabase(db.url, SESSION_STORE, redis)
  const redisEnv: Record<string, string> = redis
    ? { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }
    : {}
  const processes = await Promise.all(
    [0, 1].map(() => startAppProcess(db.url, { ...env, ...redisEnv, SESSION_STORE })),
  )
  return { db, sessions: createTestStore(db), processes }
}

/** A single-session instance of a third process: its own store on the same database. */
async function withThirdProcess<T>(
  db: TestDatabase,
  body: (admin: ReturnType<typeof createSingleSession>) => Promise<T>,
): Promise<T> {
  const third = createTestStore(db)
  try {
    return await body(createSingleSession({ store: third.store, ...third.libraryOptions() }))
  } finally {
    await third.close()
  }
}

async function aliceId(db: TestDatabase): Promise<number> {
  const [row] = await db.sequelize.query<{ id: number }>(
    `SELECT id FROM users WHERE email = 'alice@example.com'`,
    { type: QueryTypes.SELECT },
  )
  return row!.id
}

for (const onLimit of ['evict-oldest', 'deny-new'] as const) {
  for (const limit of [1, 3]) {
    const title = `${K} concurrent logins of one user over 2 processes, limit ${limit}, ${onLimit}`
    describe(title, { skip }, () => {
      let db: TestDatabase
      let sessions: TestStore
      let processes: AppProcess[] = []

      before(async () => {
        const env = { SINGLE_SESSION_LIMIT: String(limit), SINGLE_SESSION_ON_LIMIT: onLimit }
        ;({ db, sessions, processes } = await startTwo(`procs_${limit}_${onLimit}`, env))
      })
      after(async () => {
        await Promise.all(processes.map((p) => p.stop()))
        await sessions?.close()
        await db?.drop()
      })

      for (let round = 1; round <= ROUNDS; round++) {
        it(`round ${round}: exactly ${limit} survive; every loser's next request is anonymous`, async () => {
          const browsers = Array.from({ length: K }, (_, i) => new Browser(processes[i % 2]!.url))
          const responses = await Promise.all(browsers.map((b) => b.post('/login', alice)))
          const statuses = responses.map((r) => r.status)
          for (const status of statuses)
            assert.ok(status === 200 || status === 409, `status ${status}`)

          const me = await Promise.all(browsers.map((b) => b.get('/me')))
          const survivors = me.filter((r) => r.status === 200).length
          const succeeded = statuses.filter((s) => s === 200).length
          if (onLimit === 'evict-oldest') {
            assert.equal(succeeded, K, 'evict mode admits every login')
            assert.equal(survivors, Math.min(K, limit))
          } else {
            // Every live session counts, so exactly `limit` of the racing logins get in.
            assert.equal(succeeded, limit, `${succeeded} logins admitted, limit ${limit}`)
            assert.equal(survivors, succeeded, 'every admitted login is alive')
          }
          // The store holds exactly the survivors: no loser's row was written back.
          assert.equal((await sessions.storedSids()).length, survivors)
          // Losers are anonymous on the other process too.
          const crossCheck = await Promise.all(
            browsers.map((b, i) => {
              const other = new Browser(processes[(i + 1) % 2]!.url)
              other.cookie = b.cookie
              return other.get('/me')
            }),
          )
          assert.equal(crossCheck.filter((r) => r.status === 200).length, survivors)

          // Leave no session for the next round: a survivor signs out everywhere.
          const survivor = browsers[me.findIndex((r) => r.status === 200)]!
          await survivor.post('/logout')
          assert.deepEqual(await sessions.storedSids(), [])
        })
      }
    })
  }
}

describe('in-flight writes across processes', { skip }, () => {
  let db: TestDatabase
  let sessions: TestStore
  let processes: AppProcess[] = []

  before(async () => {
    ;({ db, sessions, processes } = await startTwo('procs_inflight', { SINGLE_SESSION_LIMIT: '2' }))
  })
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()))
    await sessions?.close()
    await db?.drop()
  })

  const enders: Record<string, (victim: Browser) => Promise<void>> = {
    'a login on the other process': async () => {
      await new Browser(processes[1]!.url).post('/login', alice)
      await new Browser(processes[1]!.url).post('/login', alice)
    },
    'logout-everywhere on the other process': async () => {
      const other = new Browser(processes[1]!.url)
      await other.post('/login', alice)
      await other.post('/logout')
    },
    'an admin logout from a third process': async () => {
      const id = await aliceId(db)
      await withThirdProcess(db, (admin) => admin.logoutUsers([id]))
    },
  }

  for (const [how, end] of Object.entries(enders)) {
    it(`a session ended by ${how} while its write is in flight stays dead`, async () => {
      // The race only counts when the in-flight request loaded the session before it ended:
      // /preferences answers 200 only then. Retry the rare round where the load came late.
      for (let attempt = 1; ; attempt++) {
        const victim = new Browser(processes[0]!.url)
        assert.equal((await victim.post('/login', alice)).status, 200)
        const sid = sidOf(victim.cookie)!
        const slow = startSlowPost(processes[0]!.url, '/preferences', victim.cookie!, {
          theme: 'written-late',
        })
        await slow.headersSent
        await new Promise((resolve) => setTimeout(resolve, 300))
        await end(victim)
        assert.ok(!(await sessions.storedSids()).includes(sid), 'ended')
        const status = await slow.finish()
        if (status === 401 && attempt < 5) continue
        assert.equal(status, 200, 'the in-flight request was signed in when it loaded the session')
        assert.ok(
          !(await sessions.storedSids()).includes(sid),
          'the late write did not bring it back',
        )
        assert.equal((await victim.get('/me')).status, 401)
        const cleanup = new Browser(processes[0]!.url)
        await cleanup.post('/login', alice)
        await cleanup.post('/logout')
        return
      }
    })
  }
})

describe('an admin logs a user out while that user is logging in', { skip }, () => {
  let db: TestDatabase
  let sessions: TestStore
  let processes: AppProcess[] = []

  before(async () => {
    ;({ db, sessions, processes } = await startTwo('procs_admin_race', {
      SINGLE_SESSION_LIMIT: '5',
    }))
  })
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()))
    await sessions?.close()
    await db?.drop()
  })

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: every session that existed when the logout started is gone`, async () => {
      const existing = [new Browser(processes[0]!.url), new Browser(processes[1]!.url)]
      for (const b of existing) assert.equal((await b.post('/login', alice)).status, 200)
      const id = await aliceId(db)
      await withThirdProcess(db, async (admin) => {
        const newcomers = Array.from({ length: 6 }, (_, i) => new Browser(processes[i % 2]!.url))
        const [report] = await Promise.all([
          admin.logoutUsers([id]),
          ...newcomers.map((b) => b.post('/login', alice)),
        ])
        assert.ok(report.sessions >= existing.length)
        for (const b of existing) assert.equal((await b.get('/me')).status, 401)
        // The new logins may have won or lost the race; whichever survived is a real session.
        const stored = new Set(await sessions.storedSids())
        for (const b of newcomers) {
          const alive = (await b.get('/me')).status === 200
          assert.equal(alive, stored.has(sidOf(b.cookie) ?? ''), 'alive exactly when stored')
        }
        await admin.logoutUsers([id])
      })
      assert.deepEqual(await sessions.storedSids(), [])
    })
  }
})

describe('cleanup running alongside logins', { skip }, () => {
  let db: TestDatabase
  let sessions: TestStore
  /** The cleaner's store: a third process on the same database. */
  let third: TestStore
  let processes: AppProcess[] = []

  before(async () => {
    ;({ db, sessions, processes } = await startTwo('procs_cleanup'))
    third = createTestStore(db)
  })
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()))
    await third?.close()
    await sessions?.close()
    await db?.drop()
  })

  it('no lock error or deadlock reaches a user', async () => {
    const cleaner = createSingleSession({ store: third.store, ...third.libraryOptions() })
    const emails = ['alice', 'bob', 'staff', 'admin', 'root'].map((name) => `${name}@example.com`)
    for (let round = 0; round < 3; round++) {
      // Something for the cleanup to delete: sessions that have expired.
      const stale = await Promise.all(
        emails.map(async (email, i) => {
          const b = new Browser(processes[i % 2]!.url)
          await b.post('/login', { email, password: 'password' })
          return sidOf(b.cookie)!
        }),
      )
      await Promise.all(stale.map((sid) => sessions.expire(sid)))
      let cleaning = true
      const cleanups = (async () => {
        let runs = 0
        while (cleaning || runs === 0) {
          await cleaner.prune()
          runs++
        }
        return runs
      })()
      const logins = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          new Browser(processes[i % 2]!.url).post('/login', {
            email: emails[i % emails.length]!,
            password: 'password',
          }),
        ),
      )
      cleaning = false
      assert.ok((await cleanups) >= 1)
      assert.deepEqual(
        logins.map((r) => r.status).filter((status) => status !== 200),
        [],
        'every login succeeded',
      )
    }
  })
})
