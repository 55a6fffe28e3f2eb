import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dialect } from './support/database.js'
import type { StoreDriver } from '../src/index.js'
import { withApp } from './support/fixtures.js'
import {
  needsSqlRegistry,
  needsStoreInRegistryDatabase,
  storeInRegistryDatabase,
} from './support/stores.js'
import { sidOf } from './support/http.js'
import { sqlJournal } from './support/sql-backend.js'

const outage = () => Promise.reject(new Error('connection refused (injected)'))

describe('when the database fails', () => {
  it('during a login: the login fails, no session or cookie is left, the old session is untouched', () =>
    withApp('fault-login', {}, async (app) => {
      const laptop = app.browser()
      await laptop.post('/login', { id: 1 })

      const phone = app.browser()
      await phone.post('/write', { theme: 'anonymous' })
      const anonymousSid = sidOf(phone.cookie)
      const registry = app.singleSession.registry
      // Where the login records its session (evict mode): one step, or add() then overflow().
      const addKeepingNewest = registry.addKeepingNewest.bind(registry)
      registry.addKeepingNewest = outage
      const failed = await phone.post('/login', { id: 1 })
      registry.addKeepingNewest = addKeepingNewest

      assert.equal(failed.status, 500)
      assert.equal((await phone.get('/me')).body.userId, null, 'not half logged in')
      const stored = await app.storedSids()
      assert.deepEqual(stored, [sidOf(laptop.cookie)], 'only the laptop session exists')
      assert.ok(!stored.includes(anonymousSid!))
      assert.equal(
        (await laptop.get('/me')).body.userId,
        1,
        'never two live sessions, and no lost one',
      )

      // Recovers without a restart.
      assert.equal((await phone.post('/login', { id: 1 })).status, 200)
      assert.equal((await phone.get('/me')).body.userId, 1)
      assert.equal((await laptop.get('/me')).body.userId, null)
    }))

  /** Makes the store's deletes fail until the returned function is called. */
  function failStoreDeletes(driver: StoreDriver & { deleteStatement?: () => string }) {
    const destroyMany = driver.destroyMany.bind(driver)
    const deleteStatement = driver.deleteStatement?.bind(driver)
    driver.destroyMany = outage
    if (deleteStatement) {
      driver.deleteStatement = () => {
        throw new Error('connection refused (injected)')
      }
    }
    return () => {
      driver.destroyMany = destroyMany
      if (deleteStatement) driver.deleteStatement = deleteStatement
    }
  }

  it(
    "during a bulk logout, in the store's delete (store in the registry's database): it rejects and reports nothing as done",
    { skip: needsStoreInRegistryDatabase() },
    () =>
      withApp('fault-logout', {}, async (app) => {
        const browser = app.browser()
        await browser.post('/login', { id: 1 })
        // A statement of its own, or (PostgreSQL) part of the one statement that ends sessions.
        const restore = failStoreDeletes(app.singleSession.options.storeDriver)
        await assert.rejects(app.singleSession.logoutUsers([1]), /connection refused/)
        restore()
        assert.equal((await browser.get('/me')).body.userId, 1, 'nothing was done')
        assert.equal((await app.records('1')).length, 1)
        assert.equal((await app.singleSession.logoutUsers([1])).sessions, 1)
      }),
  )

  it(
    "during a bulk logout, in the store's delete (store elsewhere): the end stands, the left-over is refused and pruned",
    { skip: storeInRegistryDatabase() && 'the store shares the registry database here' },
    () =>
      withApp('fault-logout-elsewhere', {}, async (app) => {
        const browser = app.browser()
        await browser.post('/login', { id: 1 })
        const sid = sidOf(browser.cookie)!
        const restore = failStoreDeletes(app.singleSession.options.storeDriver)
        assert.equal((await app.singleSession.logoutUsers([1])).sessions, 1)
        restore()
        assert.deepEqual(await app.records('1'), [], 'the registry ended it')
        assert.ok((await app.storedSids()).includes(sid), 'the store row is left over')
        const me = await browser.get('/me')
        assert.equal(me.body.userId, null, 'and refused on load')
        const why = (await browser.get('/why')).body as { ending: { reason: string } | null }
        assert.equal(why.ending?.reason, 'logged-out-by-admin')
      }),
  )

  it('during a logout: the request gets an error and the session keeps its record', () =>
    withApp('fault-user-logout', {}, async (app) => {
      const browser = app.browser()
      await browser.post('/login', { id: 1 })
      const registry = app.singleSession.registry
      const sessionsOf = registry.sessionsOf.bind(registry)
      registry.sessionsOf = outage
      assert.equal((await browser.post('/logout')).status, 500)
      registry.sessionsOf = sessionsOf
      assert.equal((await browser.get('/me')).body.userId, 1)
      assert.equal((await browser.post('/logout')).status, 200)
      assert.equal((await browser.get('/me')).body.userId, null)
    }))

  it(
    'at the last write of an end (the audit line): nothing is left half done',
    {
      skip:
        (dialect() === 'sqlite' &&
          'SQLite commits each write of an end on its own (see docs/guarantees.md)') ||
        needsSqlRegistry(),
    },
    () =>
      withApp('fault-audit', {}, async (app) => {
        const laptop = app.browser()
        await laptop.post('/login', { id: 1 })
        const queryInterface = app.testStore.sequelize.getQueryInterface()
        await queryInterface.renameTable('session_audit', 'session_audit_away')
        try {
          await assert.rejects(app.singleSession.logoutUsers([1]))
        } finally {
          await queryInterface.renameTable('session_audit_away', 'session_audit')
        }
        assert.equal((await laptop.get('/me')).body.userId, 1, 'the session is whole')
        assert.equal((await app.records('1')).length, 1, 'and still recorded')
        assert.equal(await sqlJournal(app.singleSession).Ending.count(), 0, 'no reason recorded')
        assert.equal(await sqlJournal(app.singleSession).Audit.count(), 0)

        assert.equal((await app.singleSession.logoutUsers([1])).sessions, 1)
        assert.equal((await laptop.get('/me')).body.userId, null)
        assert.equal(await sqlJournal(app.singleSession).Ending.count(), 1)
        assert.equal(await sqlJournal(app.singleSession).Audit.count(), 1)
      }),
  )
})
