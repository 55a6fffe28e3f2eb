import assert from 'node:assert/strict'
import SequelizeStoreInit from 'connect-session-sequelize'
import type { Express, RequestHandler } from 'express'
import session from 'express-session'
import { after, before, describe, it } from 'node:test'
import {
  createSingleSession,
  ErrorCodes,
  type SingleSession,
  type SingleSessionOptions,
} from '../src/index.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { express } from './support/express.js'
import { Browser, errorsAsJson, withServer, type ErrorBody } from './support/http.js'

const SequelizeStore = SequelizeStoreInit(session.Store)

let db: TestDatabase
before(async () => {
  db = await freshDatabase('mount-order')
})
after(() => db.drop())

/** An app whose `mount` puts express-session and middleware() in some order, with /me and /login. */
async function withApp(
  mount: (
    app: Express,
    parts: { session: RequestHandler; middleware: () => RequestHandler },
  ) => void,
  body: (browser: Browser) => Promise<void>,
  options: Partial<SingleSessionOptions> = {},
) {
  const store = new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 })
  const singleSession: SingleSession = createSingleSession({ ...options, store })
  await singleSession.sync()
  const app = express()
  mount(app, {
    session: session({
      secret: 'mount order',
      name: 'sid',
      store,
      resave: false,
      saveUninitialized: false,
      cookie: { path: '/app' },
    }),
    middleware: () => singleSession.middleware(),
  })
  app.get('/app/me', (req, res) => {
    res.json({ userId: singleSession.userIdOf(req) })
  })
  app.post('/app/login', async (req, res, next) => {
    try {
      res.json(await singleSession.login(req, { id: 1 }))
    } catch (error) {
      next(error)
    }
  })
  app.get('/public', (_req, res) => {
    res.json({ ok: true })
  })
  app.use(errorsAsJson)
  await withServer(app, body)
}

describe('middleware() mounted before session()', () => {
  it('is found out on the first request, and every later request fails with NO_SESSION saying what to fix', () =>
    withApp(
      (app, parts) => {
        app.use(parts.middleware())
        app.use(parts.session)
      },
      async (browser) => {
        assert.equal((await browser.post('/app/login')).status, 200)
        for (const path of ['/app/me', '/public']) {
          const response = await browser.get<ErrorBody>(path)
          assert.equal(response.status, 500, path)
          assert.equal(response.body.code, ErrorCodes.NO_SESSION, path)
          assert.match(
            response.body.message ?? '',
            /middleware\(\) runs before express-session: mount app\.use\(session\(\{ store, \.\.\. \}\)\) first/,
          )
        }
      },
    ))

  it('in the right order, requests that express-session skips (outside the cookie path) are no error', () =>
    withApp(
      (app, parts) => {
        app.use(parts.session)
        app.use(parts.middleware())
      },
      async (browser) => {
        for (let round = 0; round < 3; round++) {
          assert.equal((await browser.get('/public')).status, 200)
          assert.equal((await browser.post('/app/login')).status, 200)
          assert.deepEqual((await browser.get('/app/me')).body, { userId: '1' })
        }
      },
    ))
})

describe('an idle timeout without middleware()', () => {
  it('fails the login with NO_MIDDLEWARE, before anything is written, and the browser stays anonymous', () =>
    withApp(
      (app, parts) => {
        app.use(parts.session)
      },
      async (browser) => {
        const response = await browser.post<ErrorBody>('/app/login')
        assert.equal(response.status, 500)
        assert.equal(response.body.code, ErrorCodes.NO_MIDDLEWARE)
        assert.match(response.body.message ?? '', /Mount app\.use\(singleSession\.middleware\(\)\)/)
        assert.equal(browser.cookie, undefined, 'no session was saved')
        assert.deepEqual((await browser.get('/app/me')).body, { userId: null })
      },
      { idleTimeout: 60_000 },
    ))

  it('is no error without an idle timeout, nor with middleware() mounted', async () => {
    await withApp(
      (app, parts) => {
        app.use(parts.session)
      },
      async (browser) => {
        assert.equal((await browser.post('/app/login')).status, 200)
      },
    )
    await withApp(
      (app, parts) => {
        app.use(parts.session)
        app.use(parts.middleware())
      },
      async (browser) => {
        assert.equal((await browser.post('/app/login')).status, 200)
        assert.deepEqual((await browser.get('/app/me')).body, { userId: '1' })
      },
      { idleTimeout: 60_000 },
    )
  })
})
