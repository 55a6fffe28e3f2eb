/**
 * A real database outage (the server refuses and drops connections) while an admin uses the
 * panel's "Log out the user on all sessions", through a real HTTP server with the example app.
 * PostgreSQL and MariaDB only: SQLite is embedded, there is no server to stop (injected failures
 * on SQLite are in test/faults.test.ts).
 */
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { before, describe, it } from 'node:test'
import { Gates } from './support/gates.js'
import { Browser, type Response } from './support/http.js'
import { exampleAppUnderOutage, needsServer } from './support/outage.js'
import { siteSession, panelSession } from './support/panel.js'
import { sqlRegistry } from './support/sql-backend.js'

interface ActionBody {
  error?: string
  notice?: { type: string; message: string; options?: { text?: string } }
  singleSession?: { phase: string; sessions: number }
}

const BULK = '/admin/api/resources/User/bulk/bulkLogoutAllSessions'
const noticeText = (body: ActionBody) => body.notice?.options?.text ?? body.notice?.message

describe('a real database outage during an admin action', needsServer, () => {
  const errors: unknown[] = []
  const suite = exampleAppUnderOutage('admin_outage', {
    sessionSecret: 'admin outage secret',
    singleSession: { limit: 3 },
    onError: (error) => errors.push(error),
  })
  const gates = new Gates()
  /** The user whose sessionsOf() query the gate holds (null: none). */
  let holdLogoutOf: number | null = null
  let aliceId: number

  before(async () => {
    const { example } = suite
    aliceId = (await example.User.findOne({ where: { email: 'alice@example.com' } }))!.id
    // A pause point, nothing else: the bulk logout's read of alice's sessions (the first step
    // of logoutUsers, after the panel loaded the selection and re-read the permission) waits
    // here, so that the test can take the database away at that moment.
    sqlRegistry(example.singleSession).model.addHook('beforeFind', async (options) => {
      if (holdLogoutOf === null) return
      if (!inspect(options.where, { depth: 5 }).includes(`'${holdLogoutOf}'`)) return
      holdLogoutOf = null
      await gates.pass('logout')
    })
  })

  const site = (who: string) => siteSession(suite.server.url, who)
  const panel = (who: string) => panelSession(suite.server.url, who)

  const aliceSessions = () =>
    sqlRegistry(suite.example.singleSession).model.count({ where: { userId: String(aliceId) } })

  /** The example app's answer to a database failure: a 503 that says so, and nothing else. */
  function assertUnavailable(res: Response<ActionBody>, context: string): void {
    assert.equal(res.status, 503, `${context}: ${res.status} ${res.text.slice(0, 300)}`)
    assert.equal(res.body.notice, undefined, `${context}: no notice, least of all a success`)
    assert.deepEqual(
      res.body,
      { error: 'The service is temporarily unavailable; please try again' },
      context,
    )
    assert.doesNotMatch(res.text, /\bat |Sequelize|ECONNREFUSED|ER_|SELECT|password/i)
    assert.equal(res.headers.getSetCookie().length, 0, `${context}: no cookie set or cleared`)
  }

  /** alice's site sessions: `count` recorded, and every browser signed in (or out). */
  async function assertAlice(browsers: Browser[], count: number, status: number): Promise<void> {
    assert.equal(await aliceSessions(), count)
    for (const b of browsers) assert.equal((await b.get('/me')).status, status)
  }

  it('the database is down when the request arrives: a 503 that says so, nothing ended; the same panel session works once it is back', async () => {
    const alice = [await site('alice'), await site('alice')]
    const admin = await panel('admin')
    const adminCookie = admin.cookie
    const url = `${BULK}?recordIds=${aliceId}`

    errors.length = 0
    await suite.outage.begin()
    try {
      // The admin's own session cannot even be loaded: the app's error handler answers, for
      // the preview and for the action.
      assertUnavailable(await admin.get<ActionBody>(url), 'GET during the outage')
      assertUnavailable(await admin.post<ActionBody>(url), 'POST during the outage')
      assert.ok(errors.length >= 2, 'the failures reached the error handler')
    } finally {
      await suite.outage.end()
    }

    assert.equal(admin.cookie, adminCookie, 'the admin was not signed out by the failure')
    await assertAlice(alice, 2, 200)

    // Recovered without a restart: the same panel session previews, then logs alice out.
    const preview = await admin.get<ActionBody>(url)
    assert.equal(preview.status, 200)
    assert.equal(preview.body.singleSession?.phase, 'preview')
    assert.equal(preview.body.singleSession?.sessions, 2)
    const done = await admin.post<ActionBody>(url)
    assert.equal(done.status, 200)
    assert.equal(done.body.notice?.type, 'success')
    assert.equal(noticeText(done.body), '1 user logged out (2 sessions)')
    await assertAlice(alice, 0, 401)
  })

  it('the database goes down as the logout starts: a 503, not a success notice, nothing half done; the retry works', async () => {
    const alice = [await site('alice'), await site('alice'), await site('alice')]
    const admin = await panel('admin')
    const url = `${BULK}?recordIds=${aliceId}`

    errors.length = 0
    holdLogoutOf = aliceId
    const pending = admin.post<ActionBody>(url)
    await gates.arrived('logout') // the admin's session is loaded, the action is running
    await suite.outage.begin()
    gates.release('logout')
    const failed = await pending
    try {
      assertUnavailable(failed, 'POST as the database went away')
      assert.ok(errors.length >= 1, 'the failure reached the error handler')
    } finally {
      await suite.outage.end()
    }

    // Nothing was done, and nothing was said to be done: all three sessions alive.
    await assertAlice(alice, 3, 200)

    const done = await admin.post<ActionBody>(url)
    assert.equal(done.status, 200)
    assert.equal(noticeText(done.body), '1 user logged out (3 sessions)')
    await assertAlice(alice, 0, 401)
  })
})
