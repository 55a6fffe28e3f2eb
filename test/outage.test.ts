import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Browser } from './support/http.js'
import { exampleAppUnderOutage, needsServer } from './support/outage.js'

const credentials = (email: string) => ({ email, password: 'password' })

describe('a real database outage', needsServer, () => {
  const suite = exampleAppUnderOutage('outage', { sessionSecret: 'outage secret' })
  const browser = () => new Browser(suite.server.url)

  it('during a login: a clear 503, no cookie, the old session intact; works again once the database is back', async () => {
    const laptop = browser()
    assert.equal((await laptop.post('/login', credentials('alice@example.com'))).status, 200)
    const laptopCookie = laptop.cookie

    await suite.outage.begin()
    const phone = browser()
    const failed = await phone.post('/login', credentials('alice@example.com'))
    assert.equal(failed.status, 503)
    assert.match(String(failed.body.error), /temporarily unavailable/)
    assert.equal(failed.headers.getSetCookie().length, 0, 'no half-logged-in cookie')
    assert.equal(phone.cookie, undefined)
    await suite.outage.end()

    assert.equal(laptop.cookie, laptopCookie)
    assert.equal(
      (await laptop.get('/me')).status,
      200,
      'never zero sessions because of the failure',
    )
    assert.equal((await phone.get('/me')).status, 401, 'never two')
    assert.equal((await phone.post('/login', credentials('alice@example.com'))).status, 200)
    assert.equal((await laptop.get('/me')).status, 401)
    assert.equal((await phone.get('/me')).status, 200)
  })

  it('during a logout: an error, nothing reported as done, and the logout works afterwards', async () => {
    const a = browser()
    assert.equal((await a.post('/login', credentials('bob@example.com'))).status, 200)
    await suite.outage.begin()
    const failed = await a.post('/logout')
    assert.equal(failed.status, 503)
    await suite.outage.end()
    assert.equal((await a.get('/me')).status, 200, 'the failed logout did nothing')
    assert.equal((await a.post('/logout')).status, 200)
    assert.equal((await a.get('/me')).status, 401)
  })

  it('during a bulk logout: the call rejects, and nothing was done', async () => {
    const a = browser()
    assert.equal((await a.post('/login', credentials('staff@example.com'))).status, 200)
    const staff = await suite.example.User.findOne({ where: { email: 'staff@example.com' } })
    await suite.outage.begin()
    await assert.rejects(suite.example.singleSession.logoutUsers([staff!.id]))
    await suite.outage.end()
    assert.equal((await a.get('/me')).status, 200)
    assert.equal((await suite.example.singleSession.logoutUsers([staff!.id])).sessions, 1)
  })
})
