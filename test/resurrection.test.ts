import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withApp } from './support/fixtures.js'
import { sidOf } from './support/http.js'

/**
 * A request is in flight on session S; S is ended elsewhere; the request then finishes. The
 * stock store would write S back and log the user in again. These hold the request at a gate
 * while S is ended, then let it finish.
 */
for (const resave of [false, true]) {
  describe(`an ended session stays dead (resave: ${resave})`, () => {
    const ways = {
      'evicted by a login elsewhere': async (app: Parameters<Parameters<typeof withApp>[2]>[0]) => {
        await app.browser().post('/login', { id: 1 })
      },
      'logged out everywhere from another session': async (
        app: Parameters<Parameters<typeof withApp>[2]>[0],
      ) => {
        const other = app.browser()
        await app.singleSession.logoutUsers([2]) // unrelated user: must not matter
        await other.post('/login', { id: 3 })
        await app.singleSession.logoutUsers([1])
      },
      'ended by logoutUsers (the admin action)': async (
        app: Parameters<Parameters<typeof withApp>[2]>[0],
      ) => {
        await app.singleSession.logoutUsers([1])
      },
    }
    for (const [how, end] of Object.entries(ways)) {
      it(`when a request that writes the session is in flight and the session is ${how}`, () =>
        withApp(`inflight-write-${resave}`, { resave }, async (app) => {
          const victim = app.browser()
          await victim.post('/login', { id: 1 })
          const sid = sidOf(victim.cookie)!

          const inFlight = victim.request('POST', '/write?gate=w', { theme: 'written-late' })
          await app.gates.arrived('w')
          await end(app)
          assert.ok(!(await app.storedSids()).includes(sid), 'ended before the request finishes')
          app.gates.release('w')
          assert.equal((await inFlight).status, 200)

          assert.ok(!(await app.storedSids()).includes(sid), 'the late write did not re-create it')
          const me = await victim.get('/me')
          assert.equal(me.body.userId, null)
          assert.equal(me.body.theme, null)
        }))
    }

    it('when a read-only request is in flight: no row re-appears, no error', () =>
      withApp(`inflight-read-${resave}`, { resave }, async (app) => {
        const victim = app.browser()
        await victim.post('/login', { id: 1 })
        const sid = sidOf(victim.cookie)!
        const inFlight = victim.request('GET', '/me?gate=r')
        await app.gates.arrived('r')
        await app.browser().post('/login', { id: 1 })
        app.gates.release('r')
        const response = await inFlight
        assert.equal(response.status, 200)
        assert.ok(!(await app.storedSids()).includes(sid))
        assert.equal((await victim.get('/me')).body.userId, null)
      }))

    it('when several requests of several sessions are in flight during logout-everywhere', () =>
      withApp(`inflight-many-${resave}`, { resave, limit: 3 }, async (app) => {
        const browsers = [app.browser(), app.browser(), app.browser()]
        for (const b of browsers) await b.post('/login', { id: 1 })
        const inFlight = browsers.map((b, i) =>
          b.request('POST', `/write?gate=g${i}`, { theme: `t${i}` }),
        )
        await Promise.all(browsers.map((_, i) => app.gates.arrived(`g${i}`)))
        const report = await app.singleSession.logoutUsers([1])
        assert.equal(report.sessions, 3)
        browsers.forEach((_, i) => app.gates.release(`g${i}`))
        await Promise.all(inFlight)
        assert.deepEqual(await app.storedSids(), [])
        assert.deepEqual(await app.records(), [])
        for (const b of browsers) assert.equal((await b.get('/me')).body.userId, null)
      }))
  })
}

describe('a destroyed session id replayed', () => {
  it('is anonymous and writes nothing', () =>
    withApp('replay', {}, async (app) => {
      const browser = app.browser()
      await browser.post('/login', { id: 1 })
      const stolen = browser.cookie
      await browser.post('/logout')
      const replay = app.browser()
      replay.cookie = stolen
      assert.equal((await replay.get('/me')).body.userId, null)
      assert.deepEqual(await app.storedSids(), [])
    }))
})
