import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CHROME_ANDROID, FIREFOX_WINDOWS, SAFARI_MAC, withExample } from './support/example.js'
import { withApp } from './support/fixtures.js'
import { sqlJournal } from './support/sql-backend.js'

interface Listed {
  sessions: Array<{
    id: number
    device: string
    browser: string | null
    os: string | null
    ip: string | null
    createdAt: string
    lastSeenAt: string
    current: boolean
  }>
}

describe('my devices', () => {
  it('lists my sessions with device, IP and times, the current one marked, newest first', () =>
    withExample('devices-list', { limit: 3 }, async ({ signIn }) => {
      await signIn('alice@example.com', FIREFOX_WINDOWS)
      const phone = await signIn('alice@example.com', CHROME_ANDROID)
      await signIn('bob@example.com', SAFARI_MAC)
      const list = await phone.get<Listed>('/account/sessions')
      assert.equal(list.status, 200)
      assert.deepEqual(
        list.body.sessions.map((s) => [s.device, s.current]),
        [
          ['Chrome on Android', true],
          ['Firefox on Windows', false],
        ],
      )
      const [first] = list.body.sessions
      assert.match(first!.ip ?? '', /127\.0\.0\.1/)
      assert.ok(!Number.isNaN(Date.parse(first!.createdAt)))
      assert.ok(
        !JSON.stringify(list.body).includes(phone.cookie!.slice(4, 20)),
        'no session id exposed',
      )
    }))

  it('signs out one of my other devices, and the audit trail says the user did', () =>
    withExample('devices-end', { limit: 3 }, async ({ example, signIn }) => {
      const laptop = await signIn('alice@example.com', FIREFOX_WINDOWS)
      const phone = await signIn('alice@example.com', CHROME_ANDROID)
      const list = await phone.get<Listed>('/account/sessions')
      const laptopId = list.body.sessions.find((s) => !s.current)!.id
      const ended = await phone.request('DELETE', `/account/sessions/${laptopId}`)
      assert.deepEqual([ended.status, ended.body], [200, { ended: true }])
      assert.equal((await laptop.get('/me')).status, 401)
      assert.equal((await phone.get('/me')).status, 200)
      assert.equal((await phone.request('DELETE', `/account/sessions/${laptopId}`)).status, 404)
      const audit = await sqlJournal(example.singleSession).Audit.findAll({ raw: true })
      assert.deepEqual(
        audit.map((row) => [row.event, row.sessions, row.actorKind]),
        [['revoked-by-user', 1, 'user']],
      )
    }))

  it("can never see or end another user's session", () =>
    withExample('devices-other-user', {}, async ({ signIn }) => {
      const bob = await signIn('bob@example.com')
      const bobsId = (await bob.get<Listed>('/account/sessions')).body.sessions[0]!.id
      const alice = await signIn('alice@example.com')
      const alicesList = await alice.get<Listed>('/account/sessions')
      assert.ok(alicesList.body.sessions.every((s) => s.id !== bobsId))
      for (const id of [String(bobsId), 'abc', '-1', '1e3', '99999999999999999999']) {
        const attempt = await alice.request('DELETE', `/account/sessions/${id}`)
        assert.equal(attempt.status, 404, id)
      }
      assert.equal((await bob.get('/me')).status, 200)
      const formAttempt = await alice.request(
        'POST',
        `/account/sessions/${bobsId}/logout`,
        undefined,
        {
          accept: 'text/html',
        },
      )
      assert.equal(formAttempt.status, 303)
      assert.equal((await bob.get('/me')).status, 200)
    }))

  it('signs out all other devices, keeping this one', () =>
    withExample('devices-others', { limit: 3 }, async ({ signIn }) => {
      const a = await signIn('alice@example.com')
      const b = await signIn('alice@example.com')
      const c = await signIn('alice@example.com')
      const response = await c.post('/account/sessions/logout-others')
      assert.deepEqual(response.body, { sessions: 2 })
      assert.equal((await a.get('/me')).status, 401)
      assert.equal((await b.get('/me')).status, 401)
      assert.equal((await c.get('/me')).status, 200)
      assert.equal((await c.get<Listed>('/account/sessions')).body.sessions.length, 1)
    }))

  it('refuses anonymous requests', () =>
    withExample('devices-anon', {}, async ({ browser }) => {
      const b = browser()
      assert.equal((await b.get('/account/sessions')).status, 401)
      assert.equal((await b.request('DELETE', '/account/sessions/1')).status, 401)
      assert.equal((await b.post('/account/sessions/logout-others')).status, 401)
      const page = await b.request('GET', '/account/sessions', undefined, { accept: 'text/html' })
      assert.equal(page.status, 303)
    }))

  it('renders a page with a sign-out button for each other device', () =>
    withExample('devices-page', { limit: 2 }, async ({ signIn }) => {
      await signIn('alice@example.com', FIREFOX_WINDOWS)
      const phone = await signIn('alice@example.com', CHROME_ANDROID)
      const page = await phone.request('GET', '/account/sessions', undefined, {
        accept: 'text/html',
      })
      assert.match(page.text, /Chrome on Android <strong>\(this device\)<\/strong>/)
      assert.match(page.text, /Firefox on Windows/)
      assert.equal(page.text.match(/action="\/account\/sessions\/\d+\/logout"/g)?.length, 1)
    }))
})

describe('last active', () => {
  it('is written at most once per interval', () =>
    withApp('last-seen-throttle', {}, async (app) => {
      const browser = app.browser()
      await browser.post('/login', { id: 1 })
      const [before] = await app.singleSession.listSessions(1)
      await new Promise((resolve) => setTimeout(resolve, 20))
      await browser.get('/me')
      await browser.get('/me')
      const [after] = await app.singleSession.listSessions(1)
      assert.equal(after!.lastSeenAt.getTime(), before!.lastSeenAt.getTime())
    }))

  it('moves forward once the interval has passed', () =>
    withApp('last-seen-moves', { lastSeenInterval: 0 }, async (app) => {
      const browser = app.browser()
      await browser.post('/login', { id: 1 })
      const [before] = await app.singleSession.listSessions(1)
      await new Promise((resolve) => setTimeout(resolve, 20))
      await browser.get('/me')
      const [after] = await app.singleSession.listSessions(1)
      assert.ok(after!.lastSeenAt.getTime() > before!.lastSeenAt.getTime())
    }))
})
