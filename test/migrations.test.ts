import assert from 'node:assert/strict'
import SequelizeStoreInit from 'connect-session-sequelize'
import session from 'express-session'
import { describe, it } from 'node:test'
import { createSingleSession, MIGRATIONS_TABLE } from '../src/index.js'
import { tableNames } from '../src/migrations/context.js'
import { freshDatabase } from './support/database.js'
import { withApp } from './support/fixtures.js'

const SequelizeStore = SequelizeStoreInit(session.Store)

describe('migrations', () => {
  it('create the tables with indexes on the user id, the expiry and the time-out, once', async () => {
    const db = await freshDatabase('migrate')
    try {
      const singleSession = createSingleSession({
        store: new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 }),
      })
      assert.deepEqual(await singleSession.migrate(), [
        '0001-create-user-sessions',
        '0002-create-session-journal',
        '0003-add-session-timeouts',
      ])
      assert.deepEqual(await singleSession.migrate(), [], 'a second run applies nothing')
      await singleSession.ready()

      const qi = db.sequelize.getQueryInterface()
      const tables = await tableNames(qi)
      for (const table of [
        'Sessions',
        'user_sessions',
        'session_endings',
        'session_audit',
        MIGRATIONS_TABLE,
      ])
        assert.ok(tables.includes(table), table)

      const indexedColumns = async (table: string) =>
        ((await qi.showIndex(table)) as Array<{ fields: Array<{ attribute: string }> }>).map(
          (index) => index.fields.map((field) => field.attribute).join(','),
        )
      const registryIndexes = await indexedColumns('user_sessions')
      for (const expected of ['sid', 'userId', 'userId,slot', 'expiresAt', 'timesOutAt']) {
        assert.ok(
          registryIndexes.includes(expected),
          `user_sessions index on ${expected}: ${registryIndexes.join(' | ')}`,
        )
      }
      assert.ok((await indexedColumns('Sessions')).includes('expires'))
    } finally {
      await db.drop()
    }
  })

  it('leave a database the library works on', () =>
    withApp('migrated-app', { sync: 'migrate' }, async (app) => {
      const [a, b] = [app.browser(), app.browser()]
      await a.post('/login', { id: 1 })
      await b.post('/login', { id: 1 })
      assert.equal((await a.get('/me')).body.userId, null)
      assert.equal((await b.get('/me')).body.userId, 1)
    }))
})
