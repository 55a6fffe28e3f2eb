import assert from 'node:assert/strict'
import SequelizeStoreInit from 'connect-session-sequelize'
import session from 'express-session'
import { describe, it } from 'node:test'
import type { Sequelize } from 'sequelize'
import { openDatabase } from '../example-app/database.js'
import { AUDIT_TABLE, createSingleSession, ENDINGS_TABLE, MIGRATIONS_TABLE } from '../src/index.js'
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

interface IndexShape {
  name: string
  unique: boolean
  primary: boolean
  columns: string
}

/** A table's indexes as name, uniqueness and columns, sorted by name: comparable across builds. */
async function indexesOf(sequelize: Sequelize, table: string): Promise<IndexShape[]> {
  const indexes = (await sequelize.getQueryInterface().showIndex(table)) as Array<{
    name: string
    unique?: boolean
    primary?: boolean
    fields: Array<{ attribute: string }>
  }>
  return indexes
    .map((index) => ({
      name: index.name,
      unique: Boolean(index.unique),
      primary: Boolean(index.primary),
      columns: index.fields.map((field) => field.attribute).join(','),
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

function singleSessionOn(sequelize: Sequelize, tableName: string) {
  return createSingleSession({
    store: new SequelizeStore({ db: sequelize, checkExpirationInterval: 0 }),
    tableName,
  })
}

describe('sync() and migrate() with a tableName', () => {
  for (const tableName of ['admin_sessions', 'user_sessions']) {
    it(`gets the same indexes from sync() as from migrate() (${tableName})`, async () => {
      const synced = await freshDatabase('table-name-sync')
      const migrated = await freshDatabase('table-name-migrate')
      try {
        await singleSessionOn(synced.sequelize, tableName).sync()
        await singleSessionOn(migrated.sequelize, tableName).migrate()
        for (const table of [tableName, ENDINGS_TABLE, AUDIT_TABLE]) {
          const fromMigrate = await indexesOf(migrated.sequelize, table)
          assert.deepEqual(await indexesOf(synced.sequelize, table), fromMigrate, table)
          assert.ok(fromMigrate.length > 1, `${table} has indexes`)
        }
        const registry = await indexesOf(synced.sequelize, tableName)
        for (const suffix of [
          'sid_unique',
          'user_id',
          'user_slot_unique',
          'expires_at',
          'times_out_at',
        ])
          assert.ok(
            registry.some((index) => index.name === `${tableName}_${suffix}`),
            `${tableName}_${suffix}: ${registry.map((index) => index.name).join(' | ')}`,
          )
      } finally {
        await synced.drop()
        await migrated.drop()
      }
    })
  }

  it('lets two registries with different table names sync() into one database', async () => {
    const db = await freshDatabase('table-name-two')
    // One Sequelize instance holds one UserSession model: the second registry opens its own.
    const second = await openDatabase(db.url)
    try {
      await singleSessionOn(db.sequelize, 'user_sessions').sync()
      await singleSessionOn(second, 'admin_sessions').sync()
      const names = async (table: string) =>
        (await indexesOf(db.sequelize, table)).map((index) => index.name)
      assert.ok((await names('user_sessions')).includes('user_sessions_user_id'))
      assert.ok((await names('admin_sessions')).includes('admin_sessions_user_id'))
    } finally {
      await second.close()
      await db.drop()
    }
  })
})
