import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CHROME_ANDROID, FIREFOX_WINDOWS, withExample } from './support/example.js'
import { withApp } from './support/fixtures.js'
import { outliveEndings } from './support/records.js'

const html = { accept: 'text/html' }

describe('why was I signed out', () => {
  it('signed-in-elsewhere: /me says so, and the login page names the new device and time', () =>
    withExample('why-elsewhere', {}, async ({ signIn }) => {
      const laptop = await signIn('alice@example.com', FIREFOX_WINDOWS)
      await signIn('alice@example.com', CHROME_ANDROID)
      const me = await laptop.get('/me')
      assert.equal(me.status, 401)
      assert.deepEqual(me.body, { error: 'Not signed in', reason: 'signed-in-elsewhere' })

      const page = await laptop.request('GET', '/login', undefined, html)
      assert.match(
        page.text,
        /You were signed out because your account signed in on Chrome on Android at \d\d:\d\d\./,
      )
      // Still anonymous afterwards: reading the reason never logs the cookie back in.
      assert.equal((await laptop.get('/me')).status, 401)
    }))

  it('logged-out-everywhere: signing out on one device tells the others', () =>
    withExample('why-everywhere', { limit: 2 }, async ({ signIn }) => {
      const a = await signIn('bob@example.com')
      const b = await signIn('bob@example.com')
      await a.post('/logout')
      assert.equal((await b.get('/me')).body.reason, 'logged-out-everywhere')
      const page = await b.request('GET', '/login', undefined, html)
      assert.match(page.text, /signed out of all devices/)
    }))

  it('logged-out-by-admin', () =>
    withExample('why-admin', {}, async ({ example, signIn }) => {
      const b = await signIn('bob@example.com')
      const bob = await example.User.findOne({ where: { email: 'bob@example.com' } })
      await example.singleSession.logoutUsers([bob!.id], {
        actor: { kind: 'admin', id: '1', label: 'admin@example.com' },
      })
      assert.equal((await b.get('/me')).body.reason, 'logged-out-by-admin')
      assert.match((await b.request('GET', '/login', undefined, html)).text, /by an administrator/)
    }))

  it('revoked-by-user: ended from the device list', () =>
    withExample('why-revoked', { limit: 2 }, async ({ signIn }) => {
      const a = await signIn('bob@example.com')
      const b = await signIn('bob@example.com', CHROME_ANDROID)
      const list = await a.get<{ sessions: Array<{ id: number; current: boolean }> }>(
        '/account/sessions',
      )
      const other = list.body.sessions.find((s) => !s.current)!
      assert.equal((await a.request('DELETE', `/account/sessions/${other.id}`)).status, 200)
      assert.equal((await b.get('/me')).body.reason, 'revoked-by-user')
    }))

  it('denied-by-limit: the browser that was refused can be told why', () =>
    withApp('why-denied', { onLimit: 'deny-new' }, async (app) => {
      await app.browser().post('/login', { id: 1 })
      const refused = app.browser()
      await refused.post('/write', { theme: 'anonymous' })
      assert.equal((await refused.post('/login', { id: 1 })).status, 409)
      const why = await refused.get<{ ending: { reason: string } | null }>('/why')
      assert.equal(why.body.ending?.reason, 'denied-by-limit')
    }))

  it('says nothing for a signed-in request, a request without cookie, or a forged cookie', () =>
    withApp('why-nothing', {}, async (app) => {
      const signedIn = app.browser()
      await signedIn.post('/login', { id: 1 })
      assert.equal((await signedIn.get('/why')).body.ending, null)
      assert.equal((await app.browser().get('/why')).body.ending, null)
      const forged = app.browser()
      forged.cookie = 's%3Aabcdefabcdefabcdefabcdefabcdefab.forged'
      assert.equal((await forged.get('/why')).body.ending, null)
    }))

  it('the record lives only as long as the ended session would have', () =>
    withApp('why-expiry', {}, async (app) => {
      const a = app.browser()
      await a.post('/login', { id: 1 })
      await app.browser().post('/login', { id: 1 })
      assert.equal(
        (await a.get<{ ending: { reason: string } }>('/why')).body.ending.reason,
        'signed-in-elsewhere',
      )
      // The ended session's cookie has no expiry of its own: it would have lived the store's ttl.
      const wouldHaveLived =
        app.singleSession.options.storeDriver.expiryOf({ cookie: {} } as never).getTime() -
        Date.now()
      const lives = await outliveEndings(app.singleSession)
      if (lives) {
        // Redis: the reason expired with the session, so pruning has nothing left to delete.
        assert.equal(lives.length, 1)
        assert.ok(Math.abs(lives[0]! - wouldHaveLived) < 60_000, `${lives[0]} vs ${wouldHaveLived}`)
      }
      assert.equal((await a.get('/why')).body.ending, null)
      const pruned = await app.singleSession.prune()
      assert.equal(pruned.endings, lives ? 0 : 1)
    }))
})
