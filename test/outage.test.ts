import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createExampleApp, type ExampleApp } from '../example-app/app.js'
import { dialect, freshDatabase, type TestDatabase } from './support/database.js'
import { Browser, listen } from './support/http.js'
import { prepareOutage, type Outage } from './support/outage.js'

const credentials = (email: string) => ({ email, password: 'password' })

describe(
  'a real database outage',
  {
    skip:
      dialect() === 'sqlite' && 'SQLite is embedded: no server to stop (see test/faults.test.ts)',
  },
  () => {
    let db: TestDatabase
    let outage: Outage
    let example: ExampleApp
    let server: Awaited<ReturnType<typeof listen>>
    const browser = () => new Browser(server.url)

    before(async () => {
      db = await freshDatabase('outage')
      outage = await prepareOutage(db)
      example = await createExampleApp({
        databaseUrl: outage.appUrl,
        sessionSecret: 'outage secret',
      })
      server = await listen(example.app)
    })
    after(async () => {
      await outage.end()
      await server.close()
      await example.close()
      await outage.dispose()
      await db.drop()
    })

    it('during a login: a clear 503, no cookie, the old session intact; works again once the database is back', async () => {
      const laptop = browser()
      assert.equal((await laptop.post('/login', credentials('alice@example.com'))).status, 200)
      const laptopCookie = laptop.cookie

      await outage.begin()
      const phone = browser()
      const failed = await phone.post('/login', credentials('alice@example.com'))
      assert.equal(failed.status, 503)
      assert.match(String(failed.body.error), /temporarily unavailable/)
      assert.equal(failed.headers.getSetCookie().length, 0, 'no half-logged-in cookie')
      assert.equal(phone.cookie, undefined)
      await outage.end()

      assert.equal(laptop.cookie, laptopCookie)
      assert.equal(
        (await laptop.get('/me')).status,
        200,
        'never zero sessions because of the failure',
      )
      assert.equal((await phone.get('/me')).status, 401, 'never two')
      assert.equal((await phone.post('/login', credentials('alice@example.com'))).status, 200)
      assert.equal((await laptop.get('/me')).status, 401)
      assert.equal((await phone.get('/me')).status, 200)
    })

    it('during a logout: an error, nothing reported as done, and the logout works afterwards', async () => {
      const a = browser()
      assert.equal((await a.post('/login', credentials('bob@example.com'))).status, 200)
      await outage.begin()
      const failed = await a.post('/logout')
      assert.equal(failed.status, 503)
      await outage.end()
      assert.equal((await a.get('/me')).status, 200, 'the failed logout did nothing')
      assert.equal((await a.post('/logout')).status, 200)
      assert.equal((await a.get('/me')).status, 401)
    })

    it('during a bulk logout: the call rejects, and nothing was done', async () => {
      const a = browser()
      assert.equal((await a.post('/login', credentials('staff@example.com'))).status, 200)
      const staff = await example.User.findOne({ where: { email: 'staff@example.com' } })
      await outage.begin()
      await assert.rejects(example.singleSession.logoutUsers([staff!.id]))
      await outage.end()
      assert.equal((await a.get('/me')).status, 200)
      assert.equal((await example.singleSession.logoutUsers([staff!.id])).sessions, 1)
    })
  },
)
