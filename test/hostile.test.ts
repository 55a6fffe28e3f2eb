import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { QueryTypes } from 'sequelize'
import { withExample, type RunningExample } from './support/example.js'
import { sidOf } from './support/http.js'

async function sessionCount({ example }: RunningExample): Promise<number> {
  const q = example.sequelize.getDialect() === 'mariadb' ? '`' : '"'
  const [row] = await example.sequelize.query<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${q}Sessions${q}`,
    { type: QueryTypes.SELECT },
  )
  return Number(row!.n)
}

describe('hostile cookies', () => {
  it('are anonymous, write nothing and never cause a 500', () =>
    withExample('hostile-cookies', {}, async (running) => {
      const victim = await running.signIn('alice@example.com')
      const sid = sidOf(victim.cookie)!
      const before = await sessionCount(running)

      const cookies: Record<string, string> = {
        'a forged signature': `s%3A${sid}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
        'an unsigned session id': sid,
        'a signature of another secret': 's%3Aabc.def',
        'an oversized value': 'x'.repeat(8000),
        'percent-encoding garbage': '%E0%A4%A',
        'an empty value': '',
        'a very long sid with a valid shape': `s%3A${'a'.repeat(2000)}.sig`,
      }
      for (const [what, value] of Object.entries(cookies)) {
        const attacker = running.browser()
        attacker.cookie = value
        const me = await attacker.get('/me')
        assert.equal(me.status, 401, what)
        const prefs = await attacker.post('/preferences', { theme: 'evil' })
        assert.equal(prefs.status, 401, what)
        const account = await attacker.get('/account/sessions')
        assert.equal(account.status, 401, what)
      }
      assert.equal(await sessionCount(running), before, 'nothing was written')
      assert.equal((await victim.get('/me')).status, 200, 'the real session is untouched')
    }))

  it('a header too large for the server gets 431, not a 500', () =>
    withExample('hostile-huge-header', {}, async (running) => {
      const attacker = running.browser()
      attacker.cookie = 'x'.repeat(20_000)
      assert.equal((await attacker.get('/me')).status, 431)
    }))

  it('a cookie of a session that was logged out is anonymous, on every route', () =>
    withExample('hostile-replay', {}, async (running) => {
      const browser = await running.signIn('bob@example.com')
      const stolen = browser.cookie
      await browser.post('/logout')
      const replay = running.browser()
      replay.cookie = stolen
      assert.equal((await replay.get('/me')).status, 401)
      assert.equal((await replay.post('/preferences', { theme: 'x' })).status, 401)
      assert.equal((await replay.post('/account/sessions/logout-others')).status, 401)
      assert.equal(await sessionCount(running), 0)
    }))
})

describe('hostile bodies', () => {
  it('get a 4xx and change nothing', () =>
    withExample('hostile-bodies', {}, async (running) => {
      const browser = running.browser()
      const cases: Array<[string, string, string]> = [
        ['/login', 'application/json', '{"email": "alice@example.com", "password": '],
        [
          '/login',
          'application/json',
          JSON.stringify({ email: ['alice@example.com'], password: 'password' }),
        ],
        [
          '/login',
          'application/json',
          JSON.stringify({ email: 'alice@example.com', password: 'x'.repeat(5000) }),
        ],
        [
          '/login',
          'application/json',
          JSON.stringify({ email: 'a'.repeat(20_000), password: 'p' }),
        ],
        ['/login', 'text/plain', 'email=alice@example.com&password=password'],
        ['/login', 'application/x-www-form-urlencoded', 'email[]=a&password[]=b'],
      ]
      for (const [path, type, body] of cases) {
        const response = await browser.request('POST', path, body, { 'content-type': type })
        assert.ok(
          response.status >= 400 && response.status < 500,
          `${type} ${body.slice(0, 40)}: ${response.status}`,
        )
      }
      assert.equal(await sessionCount(running), 0)
    }))
})
