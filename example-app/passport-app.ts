/**
 * The example app's Passport variant: the same users and pages, signed in with passport-local.
 * The single-session integration is one line, `singleSession.passport(authenticator)`; the
 * routes are Passport's own (`passport.authenticate()`, `req.logout()`).
 *
 *   npm run start:passport      http://127.0.0.1:3000 (PORT, DATABASE_URL, SESSION_STORE,
 *                               REDIS_URL, REDIS_PREFIX, SESSION_SECRET)
 */
import { randomBytes } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import express, { type ErrorRequestHandler } from 'express'
import session from 'express-session'
import passport from 'passport'
import { Strategy as LocalStrategy } from 'passport-local'
import type { Sequelize } from 'sequelize'
import {
  createSingleSession,
  isSingleSessionError,
  type SingleSession,
  type SingleSessionOptions,
} from '../src/index.js'
import { openDatabase } from './database.js'
import { singleSessionOptionsFromEnv } from './env.js'
import { homePage, loginPage } from './pages.js'
import { passwordHashCost, verifyPassword } from './passwords.js'
import {
  createExampleStore,
  redisSettings,
  sessionStoreKind,
  type RedisSettings,
  type SessionStoreKind,
} from './store.js'
import { defineUser, seedDemoUsers, type UserRow } from './users.js'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    /** What deserializeUser puts on req.user. */
    interface User {
      id: number
      email: string
    }
  }
}

export interface PassportExampleOptions {
  /** sqlite:PATH, postgres://... or mariadb://... */
  databaseUrl: string
  /** SESSION_STORE: `sequelize` (default), `pg-simple`, `memory` or `redis`, as for the main example. */
  sessionStore?: SessionStoreKind | (string & {})
  /** With `sessionStore: 'redis'`: REDIS_URL and REDIS_PREFIX (see store.ts). */
  redis?: RedisSettings
  sessionSecret: string
  /** Overrides for the session-limit options (limit, onLimit, ...). */
  singleSession?: Partial<SingleSessionOptions<UserRow>>
  /** The Express to build the app on (default: `express`). The tests pass Express 5 here. */
  express?: typeof express
}

export interface PassportExampleApp {
  app: express.Express
  sequelize: Sequelize
  singleSession: SingleSession<UserRow>
  /** Which store keeps the sessions, and what to say about it at start-up (null: nothing). */
  sessionStore: { kind: SessionStoreKind; notice: string | null }
  close(): Promise<void>
}

export async function createPassportExampleApp(
  options: PassportExampleOptions,
): Promise<PassportExampleApp> {
  passwordHashCost() // a bad PASSWORD_HASH_COST stops the app here, before anything opens
  const kind = sessionStoreKind(options.sessionStore, options.databaseUrl)
  const redis = kind === 'redis' ? redisSettings(options.redis) : undefined
  const sequelize = await openDatabase(options.databaseUrl)
  const sessionStore = await createExampleStore(kind, options.databaseUrl, sequelize, redis).catch(
    async (error: unknown) => {
      await sequelize.close()
      throw error
    },
  )
  const { store } = sessionStore
  const User = defineUser(sequelize)
  const singleSession = createSingleSession<UserRow>({
    store,
    ...sessionStore.records,
    ...options.singleSession,
  })
  try {
    await singleSession.migrate()
    await User.sync()
    await seedDemoUsers(User)
  } catch (error) {
    await sessionStore.close().catch(() => undefined)
    await sequelize.close()
    throw error
  }

  // A Passport setup as in Passport's own docs. `new Passport()` only so that tests can build
  // several apps in one process; `import passport from 'passport'` works the same way.
  const authenticator = new passport.Passport()
  authenticator.use(
    new LocalStrategy({ usernameField: 'email' }, (email, password, done) => {
      User.findOne({ where: { email: email.trim().toLowerCase() } })
        .then(async (user) =>
          user && (await verifyPassword(password, user.passwordHash)) ? user : false,
        )
        .then(
          (user) => done(null, user),
          (error: unknown) => done(error),
        )
    }),
  )
  authenticator.serializeUser((user, done) => done(null, user.id))
  authenticator.deserializeUser((id: number, done) => {
    User.findByPk(id).then(
      (user) => done(null, user ? { id: user.id, email: user.email } : false),
      (error: unknown) => done(error),
    )
  })

  // The whole single-session integration: req.login / req.logout now go through the library.
  singleSession.passport(authenticator)

  const framework = options.express ?? express
  const app = framework()
  app.disable('x-powered-by')
  app.use(
    session({
      name: 'sid',
      secret: options.sessionSecret,
      store,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', maxAge: 8 * 60 * 60 * 1000 },
    }),
  )
  app.use(singleSession.middleware())
  app.use(framework.urlencoded({ extended: false, limit: '10kb' }))
  app.use(authenticator.session())

  app.get('/', (req, res) => {
    res.type('html').send(homePage(req.user ?? null))
  })
  app.get('/login', (req, res) => {
    const failed = req.query.failed !== undefined
    res.type('html').send(loginPage(failed ? { error: 'Wrong email or password.' } : {}))
  })
  app.post(
    '/login',
    authenticator.authenticate('local', {
      successRedirect: '/',
      failureRedirect: '/login?failed',
    }) as express.RequestHandler,
  )
  app.get('/me', (req, res) => {
    if (!req.user) return res.status(401).json({ error: 'Not signed in' })
    return res.json({ user: req.user })
  })
  app.post('/logout', (req, res, next) => {
    // Signs the user out here and, by default, on every other device.
    req.logout((error) => (error ? next(error) : res.redirect(303, '/')))
  })
  app.use(errorHandler)

  return {
    app,
    sequelize,
    singleSession,
    sessionStore: { kind, notice: sessionStore.notice },
    async close() {
      await sessionStore.close()
      await sequelize.close()
    },
  }
}

/** Deny mode refuses the login with a SessionLimitError: show it on the login page. */
const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (isSingleSessionError(error, 'SESSION_LIMIT_REACHED')) {
    res
      .status(409)
      .type('html')
      .send(
        loginPage({
          error:
            'This account is already signed in on the maximum number of devices. Sign out there first.',
        }),
      )
    return
  }
  if (res.headersSent) return
  res.status(503).json({ error: 'The service is temporarily unavailable; please try again' })
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL ?? 'sqlite:example-app/example.sqlite'
  const port = Number(process.env.PORT ?? 3000)
  const example = await createPassportExampleApp({
    databaseUrl,
    sessionStore: process.env.SESSION_STORE,
    redis: { url: process.env.REDIS_URL, prefix: process.env.REDIS_PREFIX },
    sessionSecret: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    singleSession: singleSessionOptionsFromEnv(),
  }).catch((error: unknown) => {
    console.error(`The example app cannot start: ${(error as Error)?.message ?? String(error)}`)
    process.exit(1)
  })
  const server = example.app.listen(port, '127.0.0.1', () => {
    console.log(`Example app (Passport) on http://127.0.0.1:${port}`)
    if (example.sessionStore.notice) console.log(example.sessionStore.notice)
  })
  const shutdown = () =>
    server.close(() => {
      example.close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
