import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { createSingleSession, isSingleSessionError } from '../src/index.js'
import type { SingleSessionEvents } from '../src/core/events.js'
import { singleSessionOptionsFromEnv } from '../example-app/env.js'
import { withExample } from './support/example.js'
import { withApp } from './support/fixtures.js'
import { sidOf, type Browser } from './support/http.js'
import type { TestApp } from './support/test-app.js'
import { auditLinesOf } from './support/records.js'

const html = { accept: 'text/html' }

type Ending = { ending: { reason: string; actor: { kind: string } } | null }

async function reasonOf(browser: Browser): Promise<string | null> {
  return (await browser.get<Ending>('/why')).body.ending?.reason ?? null
}

async function userIdOf(browser: Browser): Promise<unknown> {
  return (await browser.get<{ userId: unknown }>('/me')).body.userId
}

/** The idle timeout of the busy-session test. */
const BUSY_IDLE_MS = 3000

/**
 * Signs in and sends 14 requests 500 ms apart (7 s, over twice a 3 s idle timeout), asserting
 * that each is still signed in; 'stalled' when two requests may have reached the server
 * idle / 2 or more apart (from the first one's sending to the second one's answer).
 */
async function requestEvery500ms(app: TestApp, idle: number): Promise<'kept' | 'stalled'> {
  const a = app.browser()
  let sent = Date.now()
  await a.post('/login', { id: 1 })
  for (let i = 0; i < 14; i++) {
    await sleep(500)
    const previousSent = sent
    sent = Date.now()
    const userId = await userIdOf(a)
    if (Date.now() - previousSent >= idle / 2) return 'stalled'
    assert.equal(userId, 1, `request ${i + 1}`)
  }
  return 'kept'
}

async function auditLines(app: TestApp) {
  return auditLinesOf(app.singleSession)
}

describe('idle and absolute timeouts', () => {
  it('a session with a request every idleTimeout / 2 is never ended for idleness', () =>
    withApp('timeout-busy', { idleTimeout: BUSY_IDLE_MS }, async (app) => {
      // A machine so loaded that one response takes a second can stretch a gap past
      // idleTimeout / 2, and then an end would be right: such a run proves nothing and starts over.
      for (let run = 1; run <= 3; run++) {
        if ((await requestEvery500ms(app, BUSY_IDLE_MS)) === 'kept') return
      }
      assert.fail('three runs in a row had a gap of idleTimeout / 2: the machine is too slow')
    }))

  it('an idle session is ended at its next request: store and record gone, reason idle-timeout', () =>
    withApp('timeout-idle', { idleTimeout: 1000 }, async (app) => {
      const ended: SingleSessionEvents['sessions-ended'][] = []
      app.singleSession.on('sessions-ended', (event) => ended.push(event))
      const a = app.browser()
      await a.post('/login', { id: 1 })
      const sid = sidOf(a.cookie)!
      await sleep(1300)
      const cookie = a.cookie
      assert.equal(await userIdOf(a), null)
      assert.equal(await reasonOf(a), 'idle-timeout')

      const replay = app.browser()
      replay.cookie = cookie
      const why = (await replay.get<Ending>('/why')).body.ending
      assert.equal(why?.reason, 'idle-timeout')
      assert.equal(why?.actor.kind, 'system')
      assert.equal(await userIdOf(replay), null, 'a replayed timed-out cookie stays signed out')
      assert.ok(!(await app.storedSids()).includes(sid))
      assert.deepEqual(await app.records(), [])

      assert.equal(ended.length, 1)
      assert.equal(ended[0]!.reason, 'idle-timeout')
      assert.deepEqual(ended[0]!.actor, { kind: 'system', id: null, label: null })
      const lines = await auditLines(app)
      assert.deepEqual(
        lines.map((line) => [line.event, line.actor.kind, line.sessions]),
        [['idle-timeout', 'system', 1]],
      )
    }))

  it('an absolute timeout ends even a busy session, with reason absolute-timeout', () =>
    withApp('timeout-absolute', { absoluteTimeout: 1500, idleTimeout: 60_000 }, async (app) => {
      const a = app.browser()
      // Taken before the login request: the server's login time can only be later.
      const loggedInAt = Date.now()
      await a.post('/login', { id: 1 })
      const cookie = a.cookie
      let requests = 0
      while ((await userIdOf(a)) === 1) {
        assert.ok(++requests < 100, 'the session should have ended')
        await sleep(200)
      }
      assert.ok(Date.now() - loggedInAt >= 1500, 'not ended before its absolute timeout')
      const replay = app.browser()
      replay.cookie = cookie
      assert.equal(await reasonOf(replay), 'absolute-timeout')
      assert.equal(await userIdOf(replay), null)
    }))

  it('per-user functions, sync and async, decide at login; null means none', () =>
    withApp(
      'timeout-per-user',
      {
        idleTimeout: (user) => (user.role === 'admin' ? 800 : null),
        absoluteTimeout: (user) => Promise.resolve(user.role === 'guest' ? 800 : null),
      },
      async (app) => {
        const [admin, guest, user] = [app.browser(), app.browser(), app.browser()]
        await admin.post('/login', { id: 1, role: 'admin' })
        await guest.post('/login', { id: 2, role: 'guest' })
        await user.post('/login', { id: 3 })
        const [adminCookie, guestCookie] = [admin.cookie, guest.cookie]
        await sleep(1100)
        assert.equal(await userIdOf(admin), null)
        assert.equal(await userIdOf(guest), null)
        assert.equal(await userIdOf(user), 3, 'a user without timeouts stays')
        admin.cookie = adminCookie
        guest.cookie = guestCookie
        assert.equal(await reasonOf(admin), 'idle-timeout')
        assert.equal(await reasonOf(guest), 'absolute-timeout')
      },
    ))

  it('a function returning an invalid timeout fails the login with INVALID_TIMEOUT', () =>
    withApp('timeout-bad-fn', { idleTimeout: () => -5 }, async (app) => {
      const a = app.browser()
      const response = await a.post<{ code: string }>('/login', { id: 1 })
      assert.equal(response.status, 400)
      assert.equal(response.body.code, 'INVALID_TIMEOUT')
      assert.deepEqual(await app.records(), [])
    }))

  it('prune() ends timed-out sessions that never come back, one audit line per user and reason', () =>
    withApp('timeout-prune', { idleTimeout: 800, limit: 3 }, async (app) => {
      const browsers = [app.browser(), app.browser(), app.browser()]
      await browsers[0]!.post('/login', { id: 1 })
      await browsers[1]!.post('/login', { id: 1 })
      await browsers[2]!.post('/login', { id: 2 })
      const cookies = browsers.map((browser) => browser.cookie)
      await sleep(1000)
      assert.equal((await app.singleSession.prune()).timedOut, 3)
      assert.deepEqual(await app.records(), [])
      assert.deepEqual(await app.storedSids(), [])
      const lines = await auditLines(app)
      assert.deepEqual(
        lines.map((line) => [line.userId, line.event, line.actor.kind, line.sessions]).sort(),
        [
          ['1', 'idle-timeout', 'system', 2],
          ['2', 'idle-timeout', 'system', 1],
        ],
      )
      for (const [i, browser] of browsers.entries()) {
        browser.cookie = cookies[i]
        assert.equal(await reasonOf(browser), 'idle-timeout')
      }
      assert.equal((await app.singleSession.prune()).timedOut, 0)
    }))

  it('two processes ending the same timed-out sessions at once audit each session once', () =>
    withApp('timeout-prune-race', { idleTimeout: 800, limit: 5 }, async (app) => {
      for (let i = 0; i < 4; i++) await app.browser().post('/login', { id: 1 })
      await sleep(1000)
      const [first, second] = await Promise.all([
        app.singleSession.prune(),
        app.singleSession.prune(),
      ])
      assert.equal(first.timedOut + second.timedOut, 4)
      const refs = (await auditLines(app)).flatMap((line) => line.sessionRefs)
      assert.equal(refs.length, 4)
      assert.equal(new Set(refs).size, 4)
    }))

  it('a session claimed for ending cannot be claimed again, even by a later reader', () =>
    withApp('timeout-claim', { idleTimeout: 500 }, async (app) => {
      const a = app.browser()
      await a.post('/login', { id: 1 })
      await sleep(700)
      const { registry } = app.singleSession
      const [due] = await registry.timedOut(new Date(), 10)
      assert.ok(await registry.claimTimedOut(due!))
      const reread = await registry.find(due!.sid)
      assert.equal(await registry.claimTimedOut(reread!), false, 'claimed once only')
      assert.deepEqual(await registry.timedOut(new Date(), 10), [], 'prune skips it')
      assert.equal(await userIdOf(a), null, 'while it is being ended, nobody is let in')

      await registry.releaseClaim(due!)
      assert.equal((await app.singleSession.prune()).timedOut, 1, 'a released claim is ended')
      assert.equal((await auditLines(app)).length, 1)
    }))

  it('records when each session times out; requests and a regenerate move it forward', () =>
    withApp('timeout-deadline', { idleTimeout: 4000, absoluteTimeout: 60_000 }, async (app) => {
      const a = app.browser()
      const before = Date.now()
      await a.post('/login', { id: 1 })
      const [atLogin] = await app.singleSession.listSessions(1)
      assert.equal(atLogin!.idleTimeout, 4000)
      assert.equal(atLogin!.absoluteTimeout, 60_000)
      const first = atLogin!.timesOutAt!.getTime()
      assert.ok(first >= before + 4000 && first <= Date.now() + 4000)

      // The throttle is min(lastSeenInterval, idleTimeout / 2) = 2 s.
      await sleep(2100)
      await a.get('/me')
      const second = (await app.singleSession.listSessions(1))[0]!.timesOutAt!.getTime()
      assert.ok(second >= first + 2000, 'a request after the throttle moves the deadline')

      await sleep(50)
      await a.post('/rotate')
      const [renamed] = await app.singleSession.listSessions(1)
      assert.equal(renamed!.sid, sidOf(a.cookie))
      assert.ok(renamed!.timesOutAt!.getTime() > second, 'a regenerate moves the deadline too')
    }))

  it('the idle check adds no write to a request inside the throttle', () =>
    withApp('timeout-no-writes', { idleTimeout: 60_000 }, async (app) => {
      const a = app.browser()
      await a.post('/login', { id: 1 })
      const [before] = await app.singleSession.listSessions(1)
      for (let i = 0; i < 20; i++) assert.equal(await userIdOf(a), 1)
      const [after] = await app.singleSession.listSessions(1)
      assert.deepEqual(
        [after!.lastSeenAt, after!.timesOutAt],
        [before!.lastSeenAt, before!.timesOutAt],
        'neither last-seen nor the deadline was written',
      )
    }))

  it('misconfigured timeouts throw at creation, naming the option', () =>
    withApp('timeout-options', {}, (app) => {
      for (const [option, value] of [
        ['idleTimeout', 0],
        ['idleTimeout', -1],
        ['absoluteTimeout', 1.5],
        ['absoluteTimeout', '30m'],
      ] as const) {
        assert.throws(
          () =>
            createSingleSession({
              store: app.store,
              storeDriver: app.singleSession.options.storeDriver,
              [option]: value,
            }),
          (error: unknown) =>
            isSingleSessionError(error, 'INVALID_OPTION') &&
            error.message.includes(`\`${option}\``),
          `${option}: ${String(value)}`,
        )
      }
      return Promise.resolve()
    }))
})

describe('timeouts in the example app', () => {
  it('reads whole seconds from the environment and rejects anything else', () => {
    assert.deepEqual(
      singleSessionOptionsFromEnv({
        SINGLE_SESSION_IDLE_TIMEOUT: '900',
        SINGLE_SESSION_ABSOLUTE_TIMEOUT: '28800',
      }),
      { limit: 1, onLimit: 'evict-oldest', idleTimeout: 900_000, absoluteTimeout: 28_800_000 },
    )
    assert.equal(singleSessionOptionsFromEnv({}).idleTimeout, null)
    for (const bad of ['0', '1.5', '15m', '-3'])
      assert.throws(
        () => singleSessionOptionsFromEnv({ SINGLE_SESSION_IDLE_TIMEOUT: bad }),
        /SINGLE_SESSION_IDLE_TIMEOUT/,
      )
  })

  it('GET /me answers 401 with the reason; the home page and devices list say it', () =>
    withExample(
      'example-timeouts',
      singleSessionOptionsFromEnv({
        SINGLE_SESSION_LIMIT: '2',
        SINGLE_SESSION_IDLE_TIMEOUT: '3',
        SINGLE_SESSION_ABSOLUTE_TIMEOUT: '3600',
      }),
      async ({ signIn }) => {
        const a = await signIn('alice@example.com')
        const devices = await a.get<{ sessions: Array<{ timesOutAt: string | null }> }>(
          '/account/sessions',
        )
        assert.equal(devices.status, 200)
        assert.ok(devices.body.sessions[0]?.timesOutAt, 'the devices list says when it times out')
        const page = await a.request('GET', '/account/sessions', undefined, html)
        assert.match(page.text, /<th>Times out<\/th>/)
        await sleep(3300)
        const me = await a.get('/me')
        assert.deepEqual([me.status, me.body.reason], [401, 'idle-timeout'])
        const home = await a.request('GET', '/', undefined, html)
        assert.match(home.text, /You were signed out after a period of inactivity/)
      },
    ))
})
