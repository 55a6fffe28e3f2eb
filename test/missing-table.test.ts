import assert from 'node:assert/strict'
import SequelizeStoreInit from 'connect-session-sequelize'
import session from 'express-session'
import { describe, it } from 'node:test'
import { createSingleSession, ErrorCodes, type SingleSession } from '../src/index.js'
import { dialect, freshDatabase, type TestDatabase } from './support/database.js'
import { express } from './support/express.js'
import { Browser, errorsAsJson, withServer, type ErrorBody } from './support/http.js'
import { createTestStore } from './support/stores.js'

const SequelizeStore = SequelizeStoreInit(session.Store)

/** An app whose author forgot `migrate()`: nothing creates the tables before it serves. */
async function withUnmigratedApp(
  label: string,
  body: (app: {
    browser: Browser
    db: TestDatabase
    singleSession: SingleSession
  }) => Promise<void>,
) {
  const db = await freshDatabase(label)
  const store = new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 })
  const singleSession = createSingleSession({ store })
  const app = express()
  app.use(
    session({ secret: 'test secret', name: 'sid', store, resave: false, saveUninitialized: false }),
  )
  app.use(singleSession.middleware())
  app.get('/me', (req, res) => {
    res.json({ userId: singleSession.userIdOf(req) })
  })
  app.post('/login', async (req, res, next) => {
    try {
      res.json(await singleSession.login(req, { id: 1 }))
    } catch (error) {
      next(error)
    }
  })
  app.post('/save', (req, res, next) => {
    ;(req.session as unknown as { theme: string }).theme = 'dark'
    req.session.save((error) => (error ? next(error) : res.json({ ok: true })))
  })
  app.use(errorsAsJson)
  try {
    await withServer(app, (browser) => body({ browser, db, singleSession }))
  } finally {
    await db.drop()
  }
}

const RUN_MIGRATE =
  /Run `npx adminjs-single-session migrate` \(or await singleSession\.migrate\(\)\)/

describe('an app that forgot migrate()', () => {
  it('answers its first request, even GET /me, with MISSING_TABLE naming the command', () =>
    withUnmigratedApp('missing-first', async ({ browser }) => {
      for (const [method, path] of [
        ['GET', '/me'],
        ['POST', '/login'],
      ] as const) {
        const response = await browser.request<ErrorBody>(
          method,
          path,
          method === 'GET' ? undefined : {},
        )
        assert.equal(response.status, 500, path)
        assert.equal(response.body.code, ErrorCodes.MISSING_TABLE, path)
        assert.match(response.body.message ?? '', /missing tables Sessions, user_sessions/, path)
        assert.match(response.body.message ?? '', RUN_MIGRATE, path)
      }
    }))

  it('works as soon as the migration has run, without a restart', () =>
    withUnmigratedApp('missing-then-migrated', async ({ browser, singleSession }) => {
      assert.equal((await browser.get<ErrorBody>('/me')).body.code, ErrorCodes.MISSING_TABLE)
      await singleSession.migrate()
      assert.equal((await browser.post('/login')).status, 200)
      assert.deepEqual((await browser.get('/me')).body, { userId: '1' })
    }))

  it('says MISSING_TABLE when the session table disappears after start-up, on reads and saves', () =>
    withUnmigratedApp('missing-later', async ({ browser, db, singleSession }) => {
      await singleSession.migrate()
      assert.equal((await browser.post('/login')).status, 200)
      await db.sequelize.getQueryInterface().dropTable('Sessions')

      const read = await browser.get<ErrorBody>('/me')
      assert.equal(read.status, 500)
      assert.equal(read.body.code, ErrorCodes.MISSING_TABLE)
      assert.match(read.body.message ?? '', RUN_MIGRATE)

      const write = await new Browser(browser.baseUrl).post<ErrorBody>('/save')
      assert.equal(write.status, 500)
      assert.equal(write.body.code, ErrorCodes.MISSING_TABLE)
      assert.match(write.body.message ?? '', RUN_MIGRATE)
    }))
})

describe('MISSING_TABLE names the command for the store in use', () => {
  it(
    'connect-pg-simple: `migrate --store pg-simple`',
    {
      skip: dialect() !== 'postgres' && 'needs PostgreSQL (TEST_DATABASE_URL=postgres://...)',
    },
    async () => {
      const db = await freshDatabase('missing-pg-simple')
      const testStore = createTestStore(db, 'pg-simple')
      try {
        const singleSession = createSingleSession({
          store: testStore.store,
          sequelize: db.sequelize,
        })
        await assert.rejects(singleSession.ready(), {
          code: ErrorCodes.MISSING_TABLE,
          message:
            /Run `npx adminjs-single-session migrate --store pg-simple` \(or await singleSession\.migrate\(\)\)/,
        })
      } finally {
        await testStore.close()
        await db.drop()
      }
    },
  )

  it('MemoryStore, which the command line cannot reach: the API only', async () => {
    const db = await freshDatabase('missing-memory')
    try {
      const singleSession = createSingleSession({
        store: new session.MemoryStore(),
        sequelize: db.sequelize,
      })
      const error = await singleSession.ready().then(
        () => assert.fail('ready() passed without the tables'),
        (failure: unknown) => failure as Error & { code?: string },
      )
      assert.equal(error.code, ErrorCodes.MISSING_TABLE)
      assert.match(error.message, /Await singleSession\.migrate\(\) in production/)
      assert.doesNotMatch(error.message, /npx/)
    } finally {
      await db.drop()
    }
  })
})
