import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { SingleSessionEvents } from '../src/index.js'
import { withApp } from './support/fixtures.js'
import { sidOf } from './support/http.js'
import type { TestApp } from './support/test-app.js'
import { auditLinesOf } from './support/records.js'

async function auditRows(app: TestApp) {
  const rows = await auditLinesOf(app.singleSession)
  return rows.map(({ userId, event, sessions, actor, sessionRefs }) => ({
    userId,
    event,
    sessions,
    actor: `${actor.kind}:${actor.id ?? ''}:${actor.label ?? ''}`,
    refs: sessionRefs,
  }))
}

describe('audit trail', () => {
  it('records an eviction: who, how many sessions, why, and that the user acted', () =>
    withApp('audit-evict', {}, async (app) => {
      const first = app.browser()
      await first.post('/login', { id: 1 })
      await app.browser().post('/login', { id: 1 })
      const rows = await auditRows(app)
      assert.equal(rows.length, 1)
      assert.deepEqual(
        { ...rows[0], refs: rows[0]!.refs.length },
        {
          userId: '1',
          event: 'signed-in-elsewhere',
          sessions: 1,
          actor: 'user:1:',
          refs: 1,
        },
      )
      assert.ok(
        !rows[0]!.refs[0]!.includes(sidOf(first.cookie)!),
        'a reference, not the session id',
      )
      assert.ok(!sidOf(first.cookie)!.includes(rows[0]!.refs[0]!))
    }))

  it('records an admin logout per user, with the admin as actor', () =>
    withApp('audit-admin', { limit: 2 }, async (app) => {
      for (const id of [1, 1, 2]) await app.browser().post('/login', { id })
      await app.singleSession.logoutUsers([1, 2, 3], {
        actor: { kind: 'admin', id: '9', label: 'admin@example.com' },
      })
      const rows = await auditRows(app)
      assert.deepEqual(
        rows.map((r) => [r.userId, r.event, r.sessions, r.actor]),
        [
          ['1', 'logged-out-by-admin', 2, 'admin:9:admin@example.com'],
          ['2', 'logged-out-by-admin', 1, 'admin:9:admin@example.com'],
        ],
      )
    }))

  it('records a denied login and a logout-everywhere', async () => {
    await withApp('audit-self', { limit: 2, onLimit: 'deny-new' }, async (app) => {
      const [a, b, c] = [app.browser(), app.browser(), app.browser()]
      await a.post('/login', { id: 1 })
      await b.post('/login', { id: 1 })
      assert.equal((await c.post('/login', { id: 1 })).status, 409)
      await a.post('/logout')
      const rows = await auditRows(app)
      assert.deepEqual(
        rows.map((r) => [r.event, r.sessions, r.actor]),
        [
          ['denied-by-limit', 0, 'user:1:'],
          ['logged-out-everywhere', 2, 'user:1:'],
        ],
      )
    })
  })
})

describe('events', () => {
  it('emits login (with the device), sessions-ended and login-denied', () =>
    withApp('events', { limit: 1 }, async (app) => {
      const seen: Array<[string, unknown]> = []
      app.singleSession.on('login', (e) =>
        seen.push(['login', [e.userId, e.device.label, e.evicted]]),
      )
      app.singleSession.on('sessions-ended', (e) =>
        seen.push(['ended', [e.userId, e.reason, e.sessions]]),
      )
      await app.browser().post('/login', { id: 1 })
      await app.browser().post('/login', { id: 1 })
      assert.deepEqual(seen, [
        ['login', ['1', 'Firefox on Linux', 0]],
        ['ended', ['1', 'signed-in-elsewhere', 1]],
        ['login', ['1', 'Firefox on Linux', 1]],
      ])
    }))

  it('emits login-denied in deny mode', () =>
    withApp('events-denied', { onLimit: 'deny-new' }, async (app) => {
      const denied: Array<SingleSessionEvents['login-denied']> = []
      app.singleSession.on('login-denied', (e) => denied.push(e))
      await app.browser().post('/login', { id: 1 })
      await app.browser().post('/login', { id: 1 })
      assert.equal(denied.length, 1)
      assert.equal(denied[0]!.limit, 1)
    }))

  it('a listener that throws or rejects breaks nothing', () =>
    withApp('events-throw', {}, async (app) => {
      app.singleSession.on('login', () => {
        throw new Error('listener bug')
      })
      app.singleSession.on('login', () => Promise.reject(new Error('async listener bug')))
      const browser = app.browser()
      assert.equal((await browser.post('/login', { id: 1 })).status, 200)
      assert.equal((await browser.get('/me')).body.userId, 1)
    }))
})
