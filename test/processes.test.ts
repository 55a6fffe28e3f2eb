import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { Browser } from './support/http.js'
import { prepareExampleDatabase, startAppProcess, type AppProcess } from './support/processes.js'

const K = 20
const ROUNDS = 3
const alice = { email: 'alice@example.com', password: 'password' }

/**
 * K simultaneous logins of one user, spread over two app processes on one database. Real
 * processes, real connections: the interleavings are the database's, not ours.
 */
for (const onLimit of ['evict-oldest', 'deny-new'] as const) {
  for (const limit of [1, 3]) {
    describe(`${K} concurrent logins over 2 processes, limit ${limit}, ${onLimit}`, () => {
      let db: TestDatabase
      let processes: AppProcess[] = []

      before(async () => {
        db = await freshDatabase(`conc_${limit}_${onLimit}`)
        await prepareExampleDatabase(db.url)
        const env = { SINGLE_SESSION_LIMIT: String(limit), SINGLE_SESSION_ON_LIMIT: onLimit }
        processes = await Promise.all([startAppProcess(db.url, env), startAppProcess(db.url, env)])
      })
      after(async () => {
        await Promise.all(processes.map((p) => p.stop()))
        await db.drop()
      })

      for (let round = 1; round <= ROUNDS; round++) {
        it(`round ${round}: ${onLimit === 'evict-oldest' ? `exactly ${limit}` : `between 1 and ${limit}`} survive; every loser is anonymous`, async () => {
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
            assert.ok(succeeded >= 1, 'at least one login succeeds')
            assert.ok(succeeded <= limit, `${succeeded} logins admitted, limit ${limit}`)
            assert.equal(survivors, succeeded, 'every admitted login is alive')
          }
          // Losers stay anonymous on the other process too.
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
          assert.equal((await survivor.get('/me')).status, 401)
        })
      }
    })
  }
}
