import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dialect } from './support/database.js'
import { withApp } from './support/fixtures.js'
import { needsStoreInRegistryDatabase } from './support/stores.js'
import type { TestApp } from './support/test-app.js'
import {
  auditLinesOf,
  countEndings,
  roundTripsOf,
  seedRecords,
  statementsOf,
} from './support/records.js'

async function signIn(app: TestApp, userIds: number[], sessionsEach: number) {
  for (const id of userIds) {
    for (let i = 0; i < sessionsEach; i++) await app.browser().post('/login', { id })
  }
}

describe('writing an end of sessions', () => {
  it('a bulk logout of 30 users makes as many round trips as one of a single user', () =>
    withApp('end-writes-batched', { limit: 2 }, async (app) => {
      const many = Array.from({ length: 30 }, (_, i) => i + 1)
      await signIn(app, [99, 100], 2)
      await signIn(app, many, 2)
      // What the first end finds out once is not part of an end: whether the store shares the
      // registry database (SQL), whether Redis is a cluster (the store's deletes).
      await app.singleSession.logoutUsers([99])

      // SQL statements, or waves of pipelined Redis commands.
      const trips = (run: () => Promise<unknown>) => roundTripsOf(app.singleSession, run)
      const one = await trips(() => app.singleSession.logoutUsers([100]))
      const thirty = await trips(() => app.singleSession.logoutUsers(many))
      assert.equal(thirty.length, one.length, thirty.join('\n'))
      assert.equal((await app.storedSids()).length, 0)
      assert.equal((await app.records()).length, 0)
    }))

  it(
    'on PostgreSQL: reasons, deletes and audit lines go out as one statement',
    {
      skip:
        (dialect() !== 'postgres' && 'the single-statement end is PostgreSQL only') ||
        needsStoreInRegistryDatabase(),
    },
    () =>
      withApp('end-writes-single', { limit: 1 }, async (app) => {
        const { sequelize } = app.testStore
        const laptop = app.browser()
        await laptop.post('/login', { id: 1 })
        const statements = await statementsOf(sequelize, () => app.singleSession.logoutUsers([1]))
        const writes = statements.filter((sql) => /^\s*(INSERT|UPDATE|DELETE|WITH)/i.test(sql))
        assert.equal(writes.length, 1, writes.join('\n'))
        assert.match(writes[0]!, /session_endings[\s\S]*session_audit[\s\S]*user_sessions/)
        assert.equal((await laptop.get('/me')).body.userId, null)
        assert.equal(await countEndings(app.singleSession), 1)
        assert.equal(await app.singleSession.journal.countAudit({}), 1)
      }),
  )

  it('a bulk logout larger than one batch ends every session, one audit line per user', () =>
    withApp('end-writes-batches', {}, async (app) => {
      // 2,600 users with 2 sessions each: 5,200 sessions, more than one batch of 5,000.
      const users = Array.from({ length: 2600 }, (_, i) => String(i + 1))
      const now = Date.now()
      const rows = users.flatMap((userId) =>
        [0, 1].map((n) => ({ sid: `bulk-${userId}-${n}`, userId })),
      )
      const expires = new Date(now + 3_600_000)
      await app.testStore.seed(
        rows.map(({ sid, userId }) => ({
          sid,
          expires,
          data: { cookie: {}, singleSession: { uid: userId, at: now, seen: now } },
        })),
      )
      await seedRecords(
        app.singleSession,
        rows.map(({ sid, userId }) => ({
          sid,
          userId,
          createdAt: new Date(now),
          expiresAt: expires,
          ip: null,
          userAgent: null,
          idleTimeout: null,
          absoluteTimeout: null,
          timesOutAt: null,
        })),
      )

      const report = await app.singleSession.logoutUsers(users)
      assert.equal(report.sessions, 5200)
      assert.ok(report.users.every((user) => user.sessions === 2))
      assert.equal((await app.storedSids()).length, 0)
      assert.equal((await app.records()).length, 0)
      assert.equal(await countEndings(app.singleSession), 5200)
      const lines = await auditLinesOf(app.singleSession)
      assert.equal(lines.length, 2600)
      assert.ok(lines.every((line) => line.sessions === 2))
    }))
})
