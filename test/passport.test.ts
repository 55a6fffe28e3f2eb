import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import SequelizeStoreInit from 'connect-session-sequelize'
import type { ErrorRequestHandler, Request, RequestHandler } from 'express'
import session from 'express-session'
import passport from 'passport'
import { Strategy as LocalStrategy } from 'passport-local'
import {
  createSingleSession,
  isSingleSessionError,
  type SingleSession,
  type SingleSessionOptions,
} from '../src/index.js'
import type { SequelizeStoreLike } from '../src/store/drivers/sequelize.js'
import { createPassportExampleApp } from '../example-app/passport-app.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { express } from './support/express.js'
import { Browser, listen, sidOf } from './support/http.js'
import { sqlRegistry } from './support/sql-backend.js'

interface AppUser {
  id: number
  email: string
  password: string
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User {
      id: number
      email: string
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    theme?: string
  }
}

const USERS: AppUser[] = [
  { id: 1, email: 'alice@example.com', password: 'alice-password' },
  { id: 2, email: 'bob@example.com', password: 'bob-password' },
]

const SequelizeStore = SequelizeStoreInit(session.Store)

interface AppSetup {
  /** Options of the single-session instance. */
  options?: Partial<SingleSessionOptions<AppUser>>
  /** The authenticator to wire; a fresh `new Passport()` by default. */
  authenticator?: passport.PassportStatic | passport.Authenticator
  /** Changes the authenticator before the library wraps it. */
  prepare?: (authenticator: passport.Authenticator) => void
  /** Passport's keepSessionInfo on login and logout. */
  keepSessionInfo?: boolean
}

/**
 * A Passport app as its authors write one: express-session, passport-local, the stock routes.
 * The only line about single sessions is `singleSession.passport(authenticator)`.
 */
async function startPassportApp(db: TestDatabase, setup: AppSetup = {}) {
  const store = new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 })
  const singleSession: SingleSession<AppUser> = createSingleSession<AppUser>({
    store,
    ...setup.options,
  })
  await singleSession.sync()

  const authenticator: passport.Authenticator = setup.authenticator ?? new passport.Passport()
  authenticator.use(
    new LocalStrategy({ usernameField: 'email' }, (email, password, done) => {
      const user = USERS.find((u) => u.email === email && u.password === password)
      done(null, user ?? false)
    }),
  )
  authenticator.serializeUser((user, done) => done(null, user.id))
  authenticator.deserializeUser((id: number, done) =>
    done(
      null,
      USERS.find((u) => u.id === id),
    ),
  )
  setup.prepare?.(authenticator)
  singleSession.passport(authenticator)

  const keepSessionInfo = setup.keepSessionInfo ?? false
  const app = express()
  app.use(
    session({
      secret: 'passport secret',
      name: 'sid',
      store,
      resave: false,
      saveUninitialized: false,
    }),
  )
  app.use(singleSession.middleware())
  app.use(express.json())
  app.use(express.urlencoded({ extended: false }))
  app.use(authenticator.initialize())
  app.use(authenticator.session())

  const authenticate = (options: passport.AuthenticateOptions) =>
    authenticator.authenticate('local', options) as RequestHandler
  app.post('/login', authenticate({ keepSessionInfo }), (req, res) => {
    res.json({ user: req.user?.id ?? null, sid: req.sessionID })
  })
  app.post('/login-form', authenticate({ successRedirect: '/', failureRedirect: '/login' }))
  // A hand-written login route: req.login() directly.
  app.post('/login-direct', (req, res, next) => {
    const user = USERS.find((u) => u.id === (req.body as { id?: number }).id)
    if (!user) return res.status(404).json({ error: 'no such user' })
    req.login(user, (error) => (error ? next(error) : res.json({ user: user.id })))
  })
  app.get('/me', (req, res) => {
    res.json({ user: req.user?.id ?? null, theme: req.session.theme ?? null, sid: req.sessionID })
  })
  app.post('/write', (req, res) => {
    req.session.theme = (req.body as { theme?: string }).theme ?? 'dark'
    res.json({ ok: true })
  })
  app.post('/logout', (req, res, next) => {
    req.logout({ keepSessionInfo }, (error) => (error ? next(error) : res.json({ ok: true })))
  })
  app.use(((error, _req, res, _next) => {
    if (isSingleSessionError(error, 'SESSION_LIMIT_REACHED')) {
      res.status(409).json({ code: error.code, message: error.message })
    } else if (isSingleSessionError(error)) {
      res.status(500).json({ code: error.code, message: error.message })
    } else {
      res.status(500).json({ error: String((error as Error)?.message ?? error) })
    }
  }) as ErrorRequestHandler)

  const server = await listen(app)
  const sessionModel = (store as unknown as SequelizeStoreLike).sessionModel
  return {
    singleSession,
    authenticator,
    browser: () => new Browser(server.url),
    async storedSids(): Promise<string[]> {
      const rows = await sessionModel.findAll({ attributes: ['sid'], raw: true })
      return (rows as unknown as { sid: string }[]).map((r) => r.sid).sort()
    },
    async records(): Promise<Array<{ sid: string; userId: string }>> {
      const rows = await sqlRegistry(singleSession).model.findAll({
        attributes: ['sid', 'userId'],
        order: [['id', 'ASC']],
        raw: true,
      })
      return rows.map(({ sid, userId }) => ({ sid, userId }))
    },
    close: () => server.close(),
  }
}

type PassportApp = Awaited<ReturnType<typeof startPassportApp>>

async function withPassportApp(
  label: string,
  setup: AppSetup,
  body: (app: PassportApp, db: TestDatabase) => Promise<void>,
): Promise<void> {
  const db = await freshDatabase(label)
  try {
    const app = await startPassportApp(db, setup)
    try {
      await body(app, db)
    } finally {
      await app.close()
    }
  } finally {
    await db.drop()
  }
}

const alice = { email: 'alice@example.com', password: 'alice-password' }

describe('passport', () => {
  describe('passport.authenticate()', () => {
    it('signs in with passport-local (JSON) and records the session', () =>
      withPassportApp('pp-json', {}, async (app) => {
        const browser = app.browser()
        const login = await browser.post('/login', alice)
        assert.equal(login.status, 200)
        assert.equal(login.body.user, 1)
        assert.equal((await browser.get('/me')).body.user, 1)
        assert.deepEqual(await app.records(), [{ sid: sidOf(browser.cookie), userId: '1' }])
        assert.deepEqual(await app.storedSids(), [sidOf(browser.cookie)])
        const [record] = await app.singleSession.listSessions(1)
        assert.match(record?.userAgent ?? '', /Firefox/)
      }))

    it('signs in with a form and a redirect', () =>
      withPassportApp('pp-form', {}, async (app) => {
        const browser = app.browser()
        const response = await browser.request(
          'POST',
          '/login-form',
          'email=alice%40example.com&password=alice-password',
          { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        )
        assert.equal(response.status, 302)
        assert.equal(response.headers.get('location'), '/')
        assert.equal((await browser.get('/me')).body.user, 1)
        assert.equal((await app.records()).length, 1)
      }))

    it('records nothing for a wrong password', () =>
      withPassportApp('pp-wrong', {}, async (app) => {
        const browser = app.browser()
        const response = await browser.post('/login', { ...alice, password: 'nope' })
        assert.equal(response.status, 401)
        assert.deepEqual(await app.records(), [])
      }))

    it('signs the first browser out when the user signs in on a second', () =>
      withPassportApp('pp-evict', {}, async (app) => {
        const first = app.browser()
        const second = app.browser()
        await first.post('/login', alice)
        assert.equal((await first.get('/me')).body.user, 1)
        await second.post('/login', alice)
        assert.equal((await second.get('/me')).body.user, 1)
        assert.equal((await first.get('/me')).body.user, null, 'the first browser is anonymous')
        assert.deepEqual(await app.records(), [{ sid: sidOf(second.cookie), userId: '1' }])
      }))

    it('leaves the pre-login session anonymous (no fixation)', () =>
      withPassportApp('pp-fixation', {}, async (app) => {
        const browser = app.browser()
        await browser.post('/write', { theme: 'before-login' })
        const beforeSid = sidOf(browser.cookie)
        assert.ok(beforeSid)
        const plantedCookie = browser.cookie

        await browser.post('/login', alice)
        const afterSid = sidOf(browser.cookie)
        assert.notEqual(afterSid, beforeSid)
        assert.ok(beforeSid && !(await app.storedSids()).includes(beforeSid), 'pre-login row gone')
        assert.equal((await browser.get('/me')).body.theme, null, 'Passport starts a new session')

        // An attacker who planted the pre-login cookie gets an anonymous session.
        const attacker = app.browser()
        attacker.cookie = plantedCookie
        const me = (await attacker.get('/me')).body
        assert.equal(me.user, null)
        assert.notEqual(me.sid, afterSid)
      }))

    it('keeps Passport’s keepSessionInfo behaviour: the data moves, the id changes', () =>
      withPassportApp('pp-keep', { keepSessionInfo: true }, async (app) => {
        const browser = app.browser()
        await browser.post('/write', { theme: 'kept' })
        const beforeSid = sidOf(browser.cookie)
        await browser.post('/login', alice)
        assert.notEqual(sidOf(browser.cookie), beforeSid)
        const me = (await browser.get('/me')).body
        assert.deepEqual([me.user, me.theme], [1, 'kept'])
        assert.deepEqual(await app.records(), [{ sid: sidOf(browser.cookie), userId: '1' }])
      }))

    it('lets a signed-in session sign in again: one session, no error', () =>
      withPassportApp('pp-relogin', {}, async (app) => {
        const browser = app.browser()
        await browser.post('/login', alice)
        const again = await browser.post('/login', alice)
        assert.equal(again.status, 200)
        assert.equal((await browser.get('/me')).body.user, 1)
        assert.deepEqual(await app.records(), [{ sid: sidOf(browser.cookie), userId: '1' }])
        assert.deepEqual(await app.storedSids(), [sidOf(browser.cookie)])
      }))

    it('switches users on a signed-in session: the old user has no session left', () =>
      withPassportApp('pp-switch', { keepSessionInfo: true }, async (app) => {
        const browser = app.browser()
        await browser.post('/login', alice)
        await browser.post('/login', { email: 'bob@example.com', password: 'bob-password' })
        assert.equal((await browser.get('/me')).body.user, 2)
        assert.deepEqual(await app.records(), [{ sid: sidOf(browser.cookie), userId: '2' }])
      }))
  })

  describe('req.login()', () => {
    it('goes through the library too', () =>
      withPassportApp('pp-direct', {}, async (app) => {
        const first = app.browser()
        const second = app.browser()
        assert.equal((await first.post('/login-direct', { id: 2 })).status, 200)
        assert.equal((await second.post('/login-direct', { id: 2 })).status, 200)
        assert.equal((await first.get('/me')).body.user, null)
        assert.equal((await second.get('/me')).body.user, 2)
        assert.deepEqual(await app.records(), [{ sid: sidOf(second.cookie), userId: '2' }])
      }))
  })

  describe('req.logout()', () => {
    it('ends every session of the user (logout everywhere)', () =>
      withPassportApp('pp-logout-all', { options: { limit: 3 } }, async (app) => {
        const laptop = app.browser()
        const phone = app.browser()
        const bob = app.browser()
        await laptop.post('/login', alice)
        await phone.post('/login', alice)
        await bob.post('/login', { email: 'bob@example.com', password: 'bob-password' })
        assert.equal((await phone.get('/me')).body.user, 1)
        const [aliceLaptop, alicePhone] = [sidOf(laptop.cookie), sidOf(phone.cookie)]

        const response = await laptop.post('/logout')
        assert.equal(response.status, 200)
        assert.equal((await laptop.get('/me')).body.user, null)
        assert.equal((await phone.get('/me')).body.user, null, 'the other browser is anonymous')
        assert.equal((await bob.get('/me')).body.user, 2, 'other users stay signed in')
        assert.deepEqual(await app.records(), [{ sid: sidOf(bob.cookie), userId: '2' }])
        // Passport's logout leaves a new, empty session; none of alice's sessions is stored.
        const stored = await app.storedSids()
        assert.ok(!stored.includes(aliceLaptop!) && !stored.includes(alicePhone!))
      }))

    it('ends only this session with logoutAllSessions: false', () =>
      withPassportApp(
        'pp-logout-one',
        { options: { limit: 2, logoutAllSessions: false } },
        async (app) => {
          const laptop = app.browser()
          const phone = app.browser()
          await laptop.post('/login', alice)
          await phone.post('/login', alice)
          await laptop.post('/logout')
          assert.equal((await laptop.get('/me')).body.user, null)
          assert.equal((await phone.get('/me')).body.user, 1)
          assert.deepEqual(await app.records(), [{ sid: sidOf(phone.cookie), userId: '1' }])
        },
      ))

    it('keeps the anonymous data with keepSessionInfo, under a new id', () =>
      withPassportApp('pp-logout-keep', { keepSessionInfo: true }, async (app) => {
        const browser = app.browser()
        await browser.post('/login', alice)
        await browser.post('/write', { theme: 'kept' })
        const signedInSid = sidOf(browser.cookie)
        await browser.post('/logout')
        const me = (await browser.get('/me')).body
        assert.deepEqual([me.user, me.theme], [null, 'kept'])
        assert.notEqual(sidOf(browser.cookie), signedInSid)
        assert.deepEqual(await app.records(), [])
        // The signed-in session is gone for good: replaying its cookie is anonymous.
        const replay = app.browser()
        replay.cookie = `s%3A${signedInSid}.x`
        assert.equal((await replay.get('/me')).body.user, null)
      }))
  })

  describe('deny mode', () => {
    it('fails the Passport login with SESSION_LIMIT_REACHED and leaves nothing behind', () =>
      withPassportApp('pp-deny', { options: { onLimit: 'deny-new' } }, async (app) => {
        const first = app.browser()
        const second = app.browser()
        await first.post('/login', alice)
        const firstSid = sidOf(first.cookie)

        const refused = await second.post('/login', alice)
        assert.equal(refused.status, 409)
        assert.equal(refused.body.code, 'SESSION_LIMIT_REACHED')
        assert.equal(second.cookie, undefined, 'no cookie for the refused login')
        assert.equal((await second.get('/me')).body.user, null)
        assert.equal((await first.get('/me')).body.user, 1, 'the first session is untouched')
        assert.deepEqual(await app.records(), [{ sid: firstSid, userId: '1' }])
        assert.deepEqual(await app.storedSids(), [firstSid])
      }))

    it('refuses a form login too, and the user can sign in once the other session signs out', () =>
      withPassportApp('pp-deny-form', { options: { onLimit: 'deny-new' } }, async (app) => {
        const first = app.browser()
        const second = app.browser()
        await first.post('/login', alice)
        const refused = await second.request(
          'POST',
          '/login-form',
          'email=alice%40example.com&password=alice-password',
          { 'content-type': 'application/x-www-form-urlencoded' },
        )
        assert.equal(refused.status, 409)
        await first.post('/logout')
        assert.equal((await second.post('/login', alice)).status, 200)
        assert.equal((await second.get('/me')).body.user, 1)
      }))
  })

  describe('wiring', () => {
    it('wraps the default passport export (Passport 0.6 and 0.7 share its session manager)', () =>
      withPassportApp('pp-default', { authenticator: passport }, async (app, db) => {
        const first = app.browser()
        const second = app.browser()
        await first.post('/login', alice)
        await second.post('/login', alice)
        assert.equal((await first.get('/me')).body.user, null)
        assert.equal((await second.get('/me')).body.user, 1)
        // Calling it again on the same instance changes nothing.
        app.singleSession.passport(passport)
        await first.post('/login', alice)
        assert.equal((await first.get('/me')).body.user, 1)
        assert.equal((await second.get('/me')).body.user, null)
        // Another instance may not take over an authenticator that is already wired.
        const store = new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 })
        const other = createSingleSession({ store, sequelize: db.sequelize })
        assert.throws(
          () => other.passport(passport),
          (error) => isSingleSessionError(error, 'INVALID_OPTION'),
        )
      }))

    it('refuses what is not a Passport 0.6+ authenticator', () =>
      withPassportApp('pp-bogus', {}, async (app) => {
        for (const bogus of [{}, { authenticate() {}, _sm: {} }, null]) {
          assert.throws(
            () => app.singleSession.passport(bogus as unknown as passport.Authenticator),
            (error) => isSingleSessionError(error, 'UNSUPPORTED_PASSPORT'),
          )
        }
        await Promise.resolve()
      }))

    it('fails closed when the session manager does not regenerate on login (Passport < 0.6)', () =>
      withPassportApp(
        'pp-no-regenerate',
        {
          prepare: (authenticator) => {
            // Passport 0.5's login: store the user in the session as it is, same id.
            const manager = (authenticator as unknown as { _sm: Record<string, unknown> })._sm
            manager.logIn = (
              req: Request,
              user: AppUser,
              _options: unknown,
              cb: (error?: unknown) => void,
            ) => {
              ;(req.session as unknown as Record<string, unknown>).passport = { user: user.id }
              req.session.save(cb)
            }
          },
        },
        async (app) => {
          const browser = app.browser()
          await browser.post('/write', { theme: 'before-login' })
          const refused = await browser.post('/login', alice)
          assert.equal(refused.status, 500)
          assert.equal(refused.body.code, 'UNSUPPORTED_PASSPORT')
          assert.equal((await browser.get('/me')).body.user, null)
          assert.deepEqual(await app.records(), [])
        },
      ))
  })

  describe('the example app’s Passport variant', () => {
    it('signs alice out of the first browser, and out of everything on logout', async () => {
      const db = await freshDatabase('pp-example')
      const example = await createPassportExampleApp({
        databaseUrl: db.url,
        sessionSecret: 'example secret',
        express,
      })
      const server = await listen(example.app)
      try {
        const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }
        const body = 'email=alice%40example.com&password=password'
        const first = new Browser(server.url)
        const second = new Browser(server.url)
        const wrong = await first.request(
          'POST',
          '/login',
          'email=alice%40example.com&password=x',
          form,
        )
        assert.equal(wrong.headers.get('location'), '/login?failed')
        assert.equal(
          (await first.request('POST', '/login', body, form)).headers.get('location'),
          '/',
        )
        assert.equal((await first.get('/me')).status, 200)
        await second.request('POST', '/login', body, form)
        assert.equal((await first.get('/me')).status, 401, 'the first browser is signed out')
        const me = (await second.get<{ user: { id: number; email: string } }>('/me')).body
        assert.equal(me.user.email, 'alice@example.com')
        assert.equal((await second.post('/logout')).status, 303)
        assert.equal((await second.get('/me')).status, 401)
        assert.deepEqual(await example.singleSession.listSessions(me.user.id), [])
      } finally {
        await server.close()
        await example.close()
        await db.drop()
      }
    })
  })
})
