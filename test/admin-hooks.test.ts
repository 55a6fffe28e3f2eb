/** The AdminJS pieces on their own: pure permission rules, messages, options, and the feature's
 * visibility hooks on a real `new AdminJS()` over a real database. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Database, Resource } from '@adminjs/sequelize'
import AdminJS, { BaseRecord, ComponentLoader, type CurrentAdmin } from 'adminjs'
import { createExampleApp, type ExampleApp } from '../example-app/app.js'
import {
  canLogOut,
  grantsFrom,
  partitionTargets,
  singleSessionFeature,
  SingleSessionAuthProvider,
  userSessionResource,
} from '../src/adminjs/index.js'
import { translator, USER_TRANSLATIONS } from '../src/adminjs/translations.js'
import { isSingleSessionError } from '../src/index.js'
import { freshDatabase, type TestDatabase } from './support/database.js'

AdminJS.registerAdapter({ Resource, Database })

describe('permissions', () => {
  it('logout targets non-admins, logout_all targets anyone, nothing targets nobody', () => {
    const staff = grantsFrom(['logout'])
    const admin = grantsFrom(['logout', 'logout_all'])
    const none = grantsFrom([])
    assert.deepEqual([canLogOut(staff, false), canLogOut(staff, true)], [true, false])
    assert.deepEqual([canLogOut(admin, false), canLogOut(admin, true)], [true, true])
    assert.deepEqual([canLogOut(none, false), canLogOut(none, true)], [false, false])
    assert.deepEqual(grantsFrom('["logout_all"]'), { logout: false, logoutAll: true })
    for (const junk of [null, 'nope', { logout: true }, [1, 2]]) {
      assert.deepEqual(grantsFrom(junk), { logout: false, logoutAll: false })
    }
    const { allowed, skipped } = partitionTargets(staff, [
      { id: 'a', isAdmin: false },
      { id: 'r', isAdmin: true },
    ])
    assert.deepEqual([allowed.map((t) => t.id), skipped.map((t) => t.id)], [['a'], ['r']])
  })
})

describe('messages', () => {
  it('picks _one/_other by count and inserts values as they are', () => {
    const t = translator(USER_TRANSLATIONS)
    assert.equal(
      t('usersLoggedOut', { count: 1, sessions: t('sessionCount', { count: 2 }) }),
      '1 user logged out (2 sessions)',
    )
    assert.equal(
      t('adminsSkipped', { count: 1, list: '{{count}}@example.com' }),
      '1 admin skipped: {{count}}@example.com (needs logout_all)',
    )
    const custom = translator({ en: { messages: { nobodyLoggedOut: 'Personne' } } })
    assert.equal(custom('nobodyLoggedOut'), 'Personne')
  })
})

describe('options', () => {
  it('throws INVALID_OPTION naming the option', () => {
    const componentLoader = new ComponentLoader()
    const cases: Array<[string, () => unknown]> = [
      ['singleSession', () => singleSessionFeature({ componentLoader } as never)],
      [
        'componentLoader',
        () => userSessionResource({ singleSession: { logoutUsers() {} } } as never),
      ],
      [
        'maxRecords',
        () =>
          singleSessionFeature({
            singleSession: { logoutUsers() {} } as never,
            componentLoader,
            maxRecords: 0,
          }),
      ],
      [
        'authenticate',
        () =>
          new SingleSessionAuthProvider({
            singleSession: { login() {} } as never,
            componentLoader,
          } as never),
      ],
    ]
    for (const [option, create] of cases) {
      assert.throws(create, (error: unknown) => {
        assert.ok(isSingleSessionError(error, 'INVALID_OPTION'))
        assert.match((error as Error).message, new RegExp(`\`${option}\``))
        return true
      })
    }
  })
})

describe('feature hooks on a real AdminJS', () => {
  let db: TestDatabase
  let example: ExampleApp
  let admin: AdminJS

  before(async () => {
    db = await freshDatabase('admin_hooks')
    example = await createExampleApp({ databaseUrl: db.url, sessionSecret: 'hooks' })
    const componentLoader = new ComponentLoader()
    admin = new AdminJS({
      componentLoader,
      resources: [
        {
          resource: example.User,
          options: { id: 'User' },
          features: [
            singleSessionFeature({ singleSession: example.singleSession, componentLoader }),
          ],
        },
      ],
    })
  })
  after(async () => {
    await example.close()
    await db.drop()
  })

  it('shows the record action on the rows the admin may target, the bulk one to any holder', async () => {
    const resource = admin.findResource('User')
    const actions = resource.decorate().actions
    const record = async (email: string) =>
      new BaseRecord((await example.User.findOne({ where: { email } }))!.toJSON(), resource)
    const staff = { id: '3', email: 'staff@example.com', permissions: ['logout'] } as CurrentAdmin
    const root = await record('root@example.com')
    const alice = await record('alice@example.com')
    const recordAction = actions.logoutAllSessions!
    const bulkAction = actions.bulkLogoutAllSessions!
    assert.equal(recordAction.isVisible(staff, alice), true)
    assert.equal(recordAction.isVisible(staff, root), false)
    assert.equal(recordAction.isAccessible(staff, root), true) // the handler names the refusal
    assert.equal(bulkAction.isVisible(staff, root), true)
    const nobody = { id: '9', email: 'x@example.com', permissions: [] } as unknown as CurrentAdmin
    assert.equal(bulkAction.isAccessible(nobody), false)
    assert.equal(recordAction.isVisible(nobody, alice), false)
    const labels = resource.decorate().options.translations?.en?.actions as Record<string, string>
    assert.equal(labels.logoutAllSessions, 'Log out the user on all sessions')
  })
})
