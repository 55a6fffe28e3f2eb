import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import PgSimpleInit from 'connect-pg-simple'
import type { ErrorRequestHandler, Response } from 'express'
import session from 'express-session'
import { QueryTypes } from 'sequelize'
import { createSingleSession, ErrorCodes, isSingleSessionError } from '../src/index.js'
import { dialect, freshDatabase } from './support/database.js'
import { express } from './support/express.js'
import { Browser, listen, sidOf } from './support/http.js'
import { withApp } from './support/fixtures.js'
import { createTestStore, storeKind, type StoreKind } from './support/stores.js'

describe('stores', () => {
  it(`recognises the store under test (${storeKind()}) and names it`, () =>
    withApp('store_name', {}, async (app) => {
      const names: Record<StoreKind, string> = {
        sequelize: 'connect-session-sequelize',
        'pg-simple': 'connect-pg-simple',
        memory: "express-session's MemoryStore",
        memorystore: 'memorystore',
        redis: 'connect-redis',
      }
      const driver = app.singleSession.options.storeDriver as unknown as {
        joinsRegistry?: () => Promise<boolean>
      }
      assert.equal(app.singleSession.options.storeDriver.name, names[storeKind()])
      // The test apps' store and registry share the test database, except in memory.
      assert.equal(
        (await driver.joinsRegistry?.()) ?? false,
        storeKind() === 'sequelize' || storeKind() === 'pg-simple',
      )
    }))

  it('memorystore: one session per user, ended sessions deleted from it', async () => {
    const db = await freshDatabase('memorystore')
    const testStore = createTestStore(db, 'memorystore')
    const singleSession = createSingleSession({ store: testStore.store, sequelize: db.sequelize })
    await singleSession.sync()
    const app = express()
    app.use(
      session({
        secret: 's',
        name: 'sid',
        store: testStore.store,
        resave: true,
        saveUninitialized: false,
      }),
    )
    app.use(singleSession.middleware())
    app.post('/login', (req, res, next) => {
      singleSession.login(req, { id: 1 }).then(() => res.json({ sid: req.sessionID }), next)
    })
    app.get('/me', (req, res) => res.json({ userId: singleSession.userIdOf(req) }))
    const server = await listen(app)
    try {
      const laptop = new Browser(server.url)
      const phone = new Browser(server.url)
      await laptop.post('/login', {})
      const laptopSid = sidOf(laptop.cookie)!
      await phone.post('/login', {})
      assert.equal((await laptop.get('/me')).body.userId, null, 'signed out by the second login')
      assert.equal((await phone.get('/me')).body.userId, '1')
      assert.ok(!(await testStore.storedSids()).includes(laptopSid), 'deleted from memorystore')
      await singleSession.logoutUsers([1])
      assert.deepEqual(await testStore.storedSids(), [])
    } finally {
      await server.close()
      await testStore.close()
      await db.drop()
    }
  })

  describe('a store given to createSingleSession that is not the one session() uses', () => {
    async function mismatchedApp(withMiddleware: boolean) {
      const db = await freshDatabase('store_mismatch')
      const guarded = createTestStore(db)
      const other = new session.MemoryStore()
      const singleSession = createSingleSession({
        store: guarded.store,
        ...guarded.libraryOptions(),
      })
      await singleSession.sync()
      const app = express()
      app.use(
        session({
          secret: 's',
          name: 'sid',
          store: other,
          resave: false,
          saveUninitialized: false,
        }),
      )
      if (withMiddleware) app.use(singleSession.middleware())
      app.post('/login', (req, res, next) => {
        singleSession.login(req, { id: 1 }).then(() => res.json({}), next)
      })
      app.use(((error: unknown, _req: unknown, res: Response, _next: unknown) => {
        res.status(500).json({
          code: isSingleSessionError(error) ? error.code : null,
          message: (error as Error).message,
        })
      }) as ErrorRequestHandler)
      const server = await listen(app)
      return {
        browser: new Browser(server.url),
        close: async () => {
          await server.close()
          await guarded.close()
          await db.drop()
        },
      }
    }

    for (const withMiddleware of [true, false]) {
      it(`fails ${withMiddleware ? 'the first request' : 'the login'} with STORE_MISMATCH naming both stores`, async () => {
        const app = await mismatchedApp(withMiddleware)
        try {
          const response = await app.browser.post('/login', {})
          const body = response.body as { code: string; message: string }
          assert.equal(response.status, 500)
          assert.equal(body.code, ErrorCodes.STORE_MISMATCH)
          assert.match(body.message, /express-session uses a MemoryStore store/)
          assert.match(body.message, /same store instance/)
        } finally {
          await app.close()
        }
      })
    }
  })

  it(
    'connect-pg-simple: migrate() creates its table; sessions live and end there',
    { skip: dialect() !== 'postgres' && 'needs PostgreSQL (TEST_DATABASE_URL)' },
    async () => {
      const db = await freshDatabase('pg_simple_migrate')
      const PgStore = PgSimpleInit(session)
      const store = new PgStore({ conString: db.url, pruneSessionInterval: false })
      try {
        const singleSession = createSingleSession({ store, sequelize: db.sequelize })
        await assert.rejects(singleSession.ready(), { code: ErrorCodes.MISSING_TABLE })
        await singleSession.migrate()
        await singleSession.ready()
        const app = express()
        app.use(
          session({ secret: 's', name: 'sid', store, resave: false, saveUninitialized: false }),
        )
        app.use(singleSession.middleware())
        app.post('/login', (req, res, next) => {
          singleSession.login(req, { id: 1 }).then(() => res.json({}), next)
        })
        const server = await listen(app)
        try {
          const a = new Browser(server.url)
          const b = new Browser(server.url)
          await a.post('/login', {})
          await b.post('/login', {})
          const rows = await db.sequelize.query<{ sid: string }>('SELECT sid FROM "session"', {
            type: QueryTypes.SELECT,
          })
          assert.deepEqual(
            rows.map((row) => row.sid),
            [sidOf(b.cookie)],
          )
        } finally {
          await server.close()
        }
      } finally {
        await (store as unknown as { close(): Promise<void> }).close()
        await db.drop()
      }
    },
  )

  it(
    'connect-pg-simple in another database than the registry: found out, and every end still reaches it',
    { skip: dialect() !== 'postgres' && 'needs PostgreSQL (TEST_DATABASE_URL)' },
    async () => {
      const registryDb = await freshDatabase('pg_simple_registry')
      const storeDb = await freshDatabase('pg_simple_store')
      const PgStore = PgSimpleInit(session)
      const store = new PgStore({
        conString: storeDb.url,
        createTableIfMissing: true,
        pruneSessionInterval: false,
      })
      try {
        const singleSession = createSingleSession({ store, sequelize: registryDb.sequelize })
        await singleSession.migrate()
        const driver = singleSession.options.storeDriver as unknown as {
          joinsRegistry(): Promise<boolean>
        }
        assert.equal(await driver.joinsRegistry(), false)
        const app = express()
        app.use(
          session({ secret: 's', name: 'sid', store, resave: false, saveUninitialized: false }),
        )
        app.use(singleSession.middleware())
        app.post('/login', (req, res, next) => {
          singleSession.login(req, { id: 1 }).then(() => res.json({}), next)
        })
        app.get('/me', (req, res) => res.json({ userId: singleSession.userIdOf(req) }))
        const server = await listen(app)
        const stored = async () =>
          (
            await storeDb.sequelize.query<{ sid: string }>('SELECT sid FROM "session"', {
              type: QueryTypes.SELECT,
            })
          ).map((row) => row.sid)
        try {
          const a = new Browser(server.url)
          const b = new Browser(server.url)
          await a.post('/login', {})
          await b.post('/login', {})
          assert.equal((await a.get('/me')).body.userId, null)
          assert.equal((await b.get('/me')).body.userId, '1')
          assert.deepEqual(await stored(), [sidOf(b.cookie)])
          assert.equal((await singleSession.logoutUsers([1])).sessions, 1)
          assert.deepEqual(await stored(), [])
          assert.equal((await b.get('/me')).body.userId, null)
        } finally {
          await server.close()
        }
      } finally {
        await (store as unknown as { close(): Promise<void> }).close()
        await storeDb.drop()
        await registryDb.drop()
      }
    },
  )
})
