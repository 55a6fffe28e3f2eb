import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withApp } from './support/fixtures.js'
import { sidOf } from './support/http.js'

describe('logout', () => {
  it('signs the user out of all their sessions by default', () =>
    withApp('logout-all', { limit: 3 }, async (app) => {
      const [a, b, c] = [app.browser(), app.browser(), app.browser()]
      const other = app.browser()
      for (const browser of [a, b, c]) await browser.post('/login', { id: 1 })
      await other.post('/login', { id: 2 })

      const response = await a.post('/logout')
      assert.deepEqual(response.body, { sessions: 3 })
      for (const browser of [a, b, c]) assert.equal((await browser.get('/me')).body.userId, null)
      assert.equal((await other.get('/me')).body.userId, 2)
      assert.deepEqual(await app.records(), [{ sid: sidOf(other.cookie), userId: '2' }])
      assert.deepEqual(await app.storedSids(), [sidOf(other.cookie)])
    }))

  it('with logoutAllSessions: false, ends only the current session', () =>
    withApp('logout-one', { limit: 2, logoutAllSessions: false }, async (app) => {
      const [a, b] = [app.browser(), app.browser()]
      await a.post('/login', { id: 1 })
      await b.post('/login', { id: 1 })
      assert.deepEqual((await a.post('/logout')).body, { sessions: 1 })
      assert.equal((await a.get('/me')).body.userId, null)
      assert.equal((await b.get('/me')).body.userId, 1)
      assert.deepEqual(await app.records(), [{ sid: sidOf(b.cookie), userId: '1' }])
    }))

  it('of an anonymous session just destroys it', () =>
    withApp('logout-anon', {}, async (app) => {
      const browser = app.browser()
      await browser.post('/write', { theme: 'x' })
      assert.equal((await app.storedSids()).length, 1)
      assert.deepEqual((await browser.post('/logout')).body, { sessions: 0 })
      assert.deepEqual(await app.storedSids(), [])
    }))
})

describe('logoutUsers', () => {
  it('ends every session of the given users and reports per user, in the order given', () =>
    withApp('logout-users', { limit: 5 }, async (app) => {
      const browsers = [app.browser(), app.browser(), app.browser(), app.browser()]
      await browsers[0]!.post('/login', { id: 1 })
      await browsers[1]!.post('/login', { id: 1 })
      await browsers[2]!.post('/login', { id: 2 })
      await browsers[3]!.post('/login', { id: 3 })

      const report = await app.singleSession.logoutUsers(['2', 1, 1, 99])
      assert.deepEqual(report, {
        sessions: 3,
        users: [
          { userId: '2', sessions: 1 },
          { userId: '1', sessions: 2 },
          { userId: '99', sessions: 0 },
        ],
      })
      const signedIn = await Promise.all(
        browsers.map(async (b) => (await b.get('/me')).body.userId),
      )
      assert.deepEqual(signedIn, [null, null, null, 3])
    }))

  it('refuses ids that are not ids before touching anything', () =>
    withApp('logout-users-bad', {}, async (app) => {
      const browser = app.browser()
      await browser.post('/login', { id: 1 })
      await assert.rejects(app.singleSession.logoutUsers([1, { id: 2 }]), {
        code: 'INVALID_USER_ID',
      })
      await assert.rejects(app.singleSession.logoutUsers(['']), { code: 'INVALID_USER_ID' })
      assert.equal((await browser.get('/me')).body.userId, 1)
    }))

  it('handles thousands of users in batches', () =>
    withApp('logout-users-many', {}, async (app) => {
      const browser = app.browser()
      await browser.post('/login', { id: 4999 })
      const ids = Array.from({ length: 5000 }, (_, i) => i)
      const report = await app.singleSession.logoutUsers(ids)
      assert.equal(report.users.length, 5000)
      assert.equal(report.sessions, 1)
      assert.equal((await browser.get('/me')).body.userId, null)
    }))
})

describe('endSession', () => {
  it('ends one session by id and says whether it was recorded', () =>
    withApp('end-session', { limit: 2 }, async (app) => {
      const [a, b] = [app.browser(), app.browser()]
      await a.post('/login', { id: 1 })
      await b.post('/login', { id: 1 })
      assert.equal(await app.singleSession.endSession(sidOf(a.cookie)!), true)
      assert.equal(await app.singleSession.endSession(sidOf(a.cookie)!), false)
      assert.equal((await a.get('/me')).body.userId, null)
      assert.equal((await b.get('/me')).body.userId, 1)
    }))
})
