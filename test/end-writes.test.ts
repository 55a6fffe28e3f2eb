import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Sequelize } from 'sequelize'
import { dialect } from './support/database.js'
import { withApp } from './support/fixtures.js'
import { needsStoreInRegistryDatabase } from './support/stores.js'
import type { TestApp } from './support/test-app.js'
import { sqlRegistry, sqlJournal } from './support/sql-backend.js'

/** The SQL statements `run` completed through the library's Sequelize instance. */
async function statementsOf(sequelize: Sequelize, run: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = []
  sequelize.addHook('afterQuery', 'count-statements', (_options, query) => {
    statements.push(String((query as unknown as { sql: string }).sql))
  })
  try {
    await run()
  } finally {
    sequelize.removeHook('afterQuery', 'count-statements')
  }
  return statements
}

async function signIn(app: TestApp, userIds: number[], sessionsEach: number) {
  for (const id of userIds) {
    for (let i = 0; i < sessionsEach; i++) await app.browser().post('/login', { id })
  }
}

describe('writing an end of sessions', () => {
  it('a bulk logout of 30 users runs as many statements as one of a single user', () =>
    withApp('end-writes-batched', { limit: 2 }, async (app) => {
      const { sequelize } = app.testStore
      const many = Array.from({ length: 30 }, (_, i) => i + 1)
      await signIn(app, [100], 2)
      await signIn(app, many, 2)
      // Where the store is, found out once, is not part of an end.
      const driver = app.singleSession.options.storeDriver as { joinsRegistry?: () => unknown }
      await driver.joinsRegistry?.()

      const one = await statementsOf(sequelize, () => app.singleSession.logoutUsers([100]))
      const thirty = await statementsOf(sequelize, () => app.singleSession.logoutUsers(many))
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
        assert.equal(await sqlJournal(app.singleSession).Ending.count(), 1)
        assert.equal(await sqlJournal(app.singleSession).Audit.count(), 1)
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
      await sqlRegistry(app.singleSession).model.bulkCreate(
        rows.map(({ sid, userId }) => ({
          sid,
          userId,
          createdAt: new Date(now),
          lastSeenAt: new Date(now),
          expiresAt: expires,
          ip: null,
          userAgent: null,
        })),
      )

      const report = await app.singleSession.logoutUsers(users)
      assert.equal(report.sessions, 5200)
      assert.ok(report.users.every((user) => user.sessions === 2))
      assert.equal((await app.storedSids()).length, 0)
      assert.equal((await app.records()).length, 0)
      assert.equal(await sqlJournal(app.singleSession).Ending.count(), 5200)
      const lines = await sqlJournal(app.singleSession).Audit.findAll({ raw: true })
      assert.equal(lines.length, 2600)
      assert.ok(lines.every((line) => line.sessions === 2))
    }))
})
