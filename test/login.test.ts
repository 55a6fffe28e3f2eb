import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sidOf } from './support/http.js'
import { withApp } from './support/fixtures.js'

describe('login', () => {
  describe('with the defaults (one session per user)', () => {
    it('signs the user out of the first browser when they sign in on a second', () =>
      withApp('default-limit', {}, async (app) => {
        const first = app.browser()
        const second = app.browser()
        assert.equal((await first.post('/login', { id: 7 })).status, 200)
        assert.equal((await first.get('/me')).body.userId, 7)

        assert.equal((await second.post('/login', { id: 7 })).status, 200)
        assert.equal((await second.get('/me')).body.userId, 7)
        assert.equal((await first.get('/me')).body.userId, null, 'the first browser is anonymous')

        assert.deepEqual(await app.storedSids(), [sidOf(second.cookie)])
        assert.deepEqual(await app.records(), [{ sid: sidOf(second.cookie), userId: '7' }])
      }))

    it('leaves other users alone', () =>
      withApp('other-users', {}, async (app) => {
        const alice = app.browser()
        const bob = app.browser()
        await alice.post('/login', { id: 1 })
        await bob.post('/login', { id: 2 })
        assert.equal((await alice.get('/me')).body.userId, 1)
        assert.equal((await bob.get('/me')).body.userId, 2)
      }))

    it('regenerates the session id: the pre-login session is destroyed', () =>
      withApp('fixation', {}, async (app) => {
        const browser = app.browser()
        await browser.post('/write', { theme: 'before-login' })
        const before = sidOf(browser.cookie)
        assert.ok(before)
        assert.ok((await app.storedSids()).includes(before))

        await browser.post('/login', { id: 3 })
        const after = sidOf(browser.cookie)
        assert.notEqual(after, before)
        assert.ok(!(await app.storedSids()).includes(before), 'the pre-login row is gone')

        // An attacker who planted the pre-login cookie gets nothing.
        const attacker = app.browser()
        attacker.cookie = `s%3A${before}.x`
        assert.equal((await attacker.get('/me')).body.userId, null)
      }))

    it('lets a signed-in session sign in again: one session, no error', () =>
      withApp('relogin', {}, async (app) => {
        const browser = app.browser()
        await browser.post('/login', { id: 5 })
        const again = await browser.post('/login', { id: 5 })
        assert.equal(again.status, 200)
        assert.equal((await browser.get('/me')).body.userId, 5)
        assert.equal((await app.records('5')).length, 1)
        assert.equal((await app.storedSids()).length, 1)
      }))

    it('treats numeric and string ids as the same user', () =>
      withApp('id-types', {}, async (app) => {
        const first = app.browser()
        const second = app.browser()
        await first.post('/login', { id: 42 })
        await second.post('/login', { id: '42' })
        assert.equal((await first.get('/me')).body.userId, null)
        assert.equal((await second.get('/me')).body.userId, '42')
      }))

    it('records who, when, from where and with what', () =>
      withApp('record', {}, async (app) => {
        const browser = app.browser()
        const started = Date.now()
        await browser.post('/login', { id: 9 })
        const [record] = await app.singleSession.listSessions(9)
        assert.ok(record)
        assert.equal(record.sid, sidOf(browser.cookie))
        assert.equal(record.userId, '9')
        assert.match(record.userAgent ?? '', /Firefox/)
        assert.match(record.ip ?? '', /127\.0\.0\.1/)
        assert.ok(record.createdAt.getTime() >= started - 1000)
        assert.ok(record.expiresAt.getTime() > Date.now())
      }))

    it('refuses a user id it cannot use, and leaves the request anonymous', () =>
      withApp('bad-id', {}, async (app) => {
        const browser = app.browser()
        const response = await browser.post('/login', { id: { nested: true } })
        assert.equal(response.status, 400)
        assert.equal(response.body.code, 'INVALID_USER_ID')
        assert.deepEqual(await app.records(), [])
      }))
  })

  describe('limit', () => {
    it('keeps the newest n sessions', () =>
      withApp('limit-3', { limit: 3 }, async (app) => {
        const browsers = [app.browser(), app.browser(), app.browser(), app.browser(), app.browser()]
        for (const browser of browsers) await browser.post('/login', { id: 1 })
        const signedIn = await Promise.all(
          browsers.map(async (b) => (await b.get('/me')).body.userId),
        )
        assert.deepEqual(signedIn, [null, null, 1, 1, 1])
        assert.equal((await app.records('1')).length, 3)
      }))

    it('can be a function of the user, sync or async', () =>
      withApp(
        'limit-fn',
        { limit: (user) => Promise.resolve(user.role === 'admin' ? 2 : 1) },
        async (app) => {
          const admins = [app.browser(), app.browser()]
          const users = [app.browser(), app.browser()]
          for (const b of admins) await b.post('/login', { id: 1, role: 'admin' })
          for (const b of users) await b.post('/login', { id: 2, role: 'user' })
          assert.equal((await admins[0]!.get('/me')).body.userId, 1)
          assert.equal((await users[0]!.get('/me')).body.userId, null)
        },
      ))

    it('fails the login with INVALID_LIMIT when the function returns nonsense', () =>
      withApp('limit-bad', { limit: () => 0 }, async (app) => {
        const browser = app.browser()
        const response = await browser.post('/login', { id: 1 })
        assert.equal(response.status, 400)
        assert.equal(response.body.code, 'INVALID_LIMIT')
        assert.deepEqual(await app.records(), [])
      }))
  })

  describe('enabled', () => {
    it('does not limit users the function exempts, but still records them', () =>
      withApp('enabled-fn', { enabled: (user) => user.role !== 'admin' }, async (app) => {
        const a = app.browser()
        const b = app.browser()
        await a.post('/login', { id: 1, role: 'admin' })
        await b.post('/login', { id: 1, role: 'admin' })
        assert.equal((await a.get('/me')).body.userId, 1)
        assert.equal((await b.get('/me')).body.userId, 1)
        assert.equal((await app.records('1')).length, 2)
        const report = await app.singleSession.logoutUsers([1])
        assert.equal(report.sessions, 2)
        assert.equal((await a.get('/me')).body.userId, null)
      }))

    it('false turns the limit off for everybody', () =>
      withApp('enabled-false', { enabled: false }, async (app) => {
        const a = app.browser()
        const b = app.browser()
        await a.post('/login', { id: 1 })
        await b.post('/login', { id: 1 })
        assert.equal((await a.get('/me')).body.userId, 1)
      }))
  })

  describe("onLimit: 'deny-new'", () => {
    it('refuses the login beyond the limit and leaves nothing half logged in', () =>
      withApp('deny', { limit: 2, onLimit: 'deny-new' }, async (app) => {
        const [a, b, c] = [app.browser(), app.browser(), app.browser()]
        await c.post('/write', { theme: 'anonymous-before' })
        const cBefore = sidOf(c.cookie)
        assert.equal((await a.post('/login', { id: 1 })).status, 200)
        assert.equal((await b.post('/login', { id: 1 })).status, 200)
        const denied = await c.post('/login', { id: 1 })
        assert.equal(denied.status, 409)
        assert.equal(denied.body.code, 'SESSION_LIMIT_REACHED')
        assert.equal((await c.get('/me')).body.userId, null)
        assert.equal((await a.get('/me')).body.userId, 1)
        assert.equal((await b.get('/me')).body.userId, 1)
        const stored = await app.storedSids()
        assert.equal(stored.length, 2, 'only the two admitted sessions are stored')
        assert.ok(!stored.includes(cBefore!))
        assert.equal((await app.records('1')).length, 2)
      }))

    it('admits a new login once a session signed out', () =>
      withApp(
        'deny-after-logout',
        { limit: 1, onLimit: 'deny-new', logoutAllSessions: false },
        async (app) => {
          const [a, b] = [app.browser(), app.browser()]
          await a.post('/login', { id: 1 })
          assert.equal((await b.post('/login', { id: 1 })).status, 409)
          await a.post('/logout')
          assert.equal((await b.post('/login', { id: 1 })).status, 200)
        },
      ))

    it('does not count sessions that ended behind its back (expired, deleted)', () =>
      withApp('deny-stale', { limit: 1, onLimit: 'deny-new' }, async (app) => {
        const [a, b] = [app.browser(), app.browser()]
        await a.post('/login', { id: 1 })
        await app.expireSession(sidOf(a.cookie)!)
        assert.equal((await b.post('/login', { id: 1 })).status, 200)
        assert.equal((await app.records('1')).length, 1)
      }))
  })

  describe('session id changed outside login', () => {
    it('keeps the regenerated session tracked, so logout-everywhere still ends it', () =>
      withApp('rotate', {}, async (app) => {
        const browser = app.browser()
        await browser.post('/login', { id: 4 })
        const before = sidOf(browser.cookie)
        await browser.post('/rotate')
        const after = sidOf(browser.cookie)
        assert.notEqual(after, before)
        assert.equal((await browser.get('/me')).body.userId, 4)
        assert.deepEqual(await app.records('4'), [{ sid: after, userId: '4' }])

        const report = await app.singleSession.logoutUsers([4])
        assert.equal(report.sessions, 1)
        assert.equal((await browser.get('/me')).body.userId, null)
      }))
  })

  describe('expiry', () => {
    it('an expired row that cleanup has not deleted yet logs nobody in', () =>
      withApp('expired', {}, async (app) => {
        const browser = app.browser()
        await browser.post('/login', { id: 1 })
        await app.expireSession(sidOf(browser.cookie)!)
        assert.equal((await browser.get('/me')).body.userId, null)
      }))

    it('cleanup removes the expired session and its record together', () =>
      withApp('prune', { lastSeenInterval: 0 }, async (app) => {
        const [a, b] = [app.browser(), app.browser()]
        await a.post('/login', { id: 1 })
        await b.post('/login', { id: 2 })
        await app.expireSession(sidOf(a.cookie)!)
        // Records younger than the grace period survive pruning: age this one.
        const { registry } = app.singleSession
        const record = (await registry.find(sidOf(a.cookie)!))!
        await registry.touch(
          record.sid,
          new Date(Date.now() - 3_600_000),
          record.expiresAt,
          record.timesOutAt,
        )
        const pruned = await app.singleSession.prune()
        assert.deepEqual(pruned, {
          // A store that expires sessions itself (Redis) has none left to delete.
          sessions: app.testStore.expiresItself ? 0 : 1,
          unrecorded: 0,
          records: 1,
          endings: 0,
          timedOut: 0,
        })
        assert.deepEqual(await app.storedSids(), [sidOf(b.cookie)])
        assert.deepEqual(await app.records(), [{ sid: sidOf(b.cookie), userId: '2' }])
      }))
  })
})
