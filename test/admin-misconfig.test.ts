/**
 * AdminJS set-ups that used to start and then misbehave now fail at `new AdminJS()`, with a code
 * and a message naming the option to set; and the User resource is found whatever its id.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildRouter } from '@adminjs/express'
import AdminJS, { ComponentLoader } from 'adminjs'
import express from 'express'
import { DataTypes } from 'sequelize'
import { createExampleApp, type ExampleApp } from '../example-app/app.js'
import { singleSessionFeature, userSessionResource } from '../src/adminjs/index.js'
import { isSingleSessionError, type ErrorCode } from '../src/index.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { Browser, listen } from './support/http.js'
import { siteSession } from './support/panel.js'

function assertThrowsCode(create: () => unknown, code: ErrorCode, option: string): void {
  assert.throws(create, (error: unknown) => {
    assert.ok(isSingleSessionError(error, code), String(error))
    assert.match(error.message, new RegExp(`\`${option}\``))
    return true
  })
}

describe('AdminJS misconfigurations', () => {
  let db: TestDatabase
  let example: ExampleApp
  const shared = () => ({
    singleSession: example.singleSession,
    componentLoader: new ComponentLoader(),
  })

  before(async () => {
    db = await freshDatabase('admin_misconfig')
    example = await createExampleApp({ databaseUrl: db.url, sessionSecret: 'misconfig' })
  })
  after(async () => {
    await example.close()
    await db.drop()
  })

  it('a User resource without role, isAdmin or admin: ADMIN_FIELD_MISSING naming `isAdmin`, unless isAdmin is given', () => {
    const Member = example.sequelize.define(
      'Member',
      {
        id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
        email: DataTypes.STRING,
        permissions: DataTypes.JSON,
      },
      { tableName: 'members' },
    )
    const options = shared()
    assertThrowsCode(
      () =>
        new AdminJS({
          componentLoader: options.componentLoader,
          resources: [
            {
              resource: Member,
              options: { id: 'User' },
              features: [singleSessionFeature(options)],
            },
          ],
        }),
      'ADMIN_FIELD_MISSING',
      'isAdmin',
    )
    const withCheck = shared()
    const admin = new AdminJS({
      componentLoader: withCheck.componentLoader,
      resources: [
        {
          resource: Member,
          options: { id: 'User' },
          features: [
            singleSessionFeature({
              ...withCheck,
              isAdmin: (user) => user.email === 'root@example.com',
            }),
          ],
        },
      ],
    })
    assert.ok(admin.findResource('User'))
  })

  it('no resource with the User feature (nor the id User): NO_USER_RESOURCE naming `userResourceId`', () => {
    const options = shared()
    assertThrowsCode(
      () =>
        new AdminJS({
          componentLoader: options.componentLoader,
          resources: [
            { resource: example.User, options: { id: 'Account' } },
            userSessionResource(options),
          ],
        }),
      'NO_USER_RESOURCE',
      'userResourceId',
    )
    const named = shared()
    assertThrowsCode(
      () =>
        new AdminJS({
          componentLoader: named.componentLoader,
          resources: [
            { resource: example.User, options: { id: 'Account' } },
            userSessionResource({ ...named, userResourceId: 'Accounts' }),
          ],
        }),
      'NO_USER_RESOURCE',
      'userResourceId',
    )
  })

  it('the User resource under the adapter’s default id (the table name): the sessions list links to it', async () => {
    const options = shared()
    const admin = new AdminJS({
      rootPath: '/admin',
      componentLoader: options.componentLoader,
      resources: [
        userSessionResource(options),
        { resource: example.User, features: [singleSessionFeature(options)] },
      ],
    })
    const app = express()
    app.use('/admin', buildRouter(admin))
    const server = await listen(app)
    const site = await listen(example.app)
    try {
      await siteSession(site.url, 'alice') // a real session, recorded
      const user = await example.User.findOne({ where: { email: 'alice@example.com' } })
      const list = await new Browser(server.url).get<{
        records?: Array<{
          params: Record<string, unknown>
          populated: Record<string, { id: string } | null>
        }>
      }>('/admin/api/resources/UserSession/actions/list')
      assert.equal(list.status, 200, list.text.slice(0, 300))
      const [row] = list.body.records!
      assert.equal(row!.params.userId, String(user!.id))
      assert.equal(String(row!.populated.userId?.id), String(user!.id))
    } finally {
      await server.close()
      await site.close()
    }
  })
})
