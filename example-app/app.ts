import express, { type ErrorRequestHandler, type RequestHandler } from 'express'
import session from 'express-session'
import type { ModelStatic, Sequelize } from 'sequelize'
import {
  createSingleSession,
  isSingleSessionError,
  type SingleSession,
  type SingleSessionOptions,
} from '../src/index.js'
import { accountRoutes, explainEnding } from './account.js'
import { openDatabase } from './database.js'
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

export interface ExampleAppOptions {
  /** sqlite:PATH, postgres://... or mariadb://... */
  databaseUrl: string
  /**
   * SESSION_STORE: `sequelize` (default), `pg-simple` (postgres:// only), `memory` or `redis`;
   * see store.ts. Any other value fails at start-up.
   */
  sessionStore?: SessionStoreKind | (string & {})
  /** With `sessionStore: 'redis'`: REDIS_URL and REDIS_PREFIX (see store.ts). */
  redis?: RedisSettings
  /** Signs the session cookie. Every process of one site must use the same secret. */
  sessionSecret: string
  /** express-session's `resave`. */
  resave?: boolean
  /** Overrides for the session-limit options (limit, onLimit, ...). */
  singleSession?: Partial<SingleSessionOptions<UserRow>>
  /** Called with every error that became a 5xx response, and when Redis's connection is lost. */
  onError?: (error: unknown) => void
  /** The Express to build the app on (default: `express`). The tests pass Express 5 here. */
  express?: typeof express
  /**
   * Mounts the AdminJS panel at /admin (default: true). Without it the app is a plain site with
   * the session limit, and AdminJS is never loaded (it takes seconds to import), which the
   * tests that do not open the panel rely on.
   */
  adminPanel?: boolean
}

export interface ExampleApp {
  app: express.Express
  sequelize: Sequelize
  User: ModelStatic<UserRow>
  singleSession: SingleSession<UserRow>
  /** Which store keeps the sessions, and what to say about it at start-up (null: nothing). */
  sessionStore: { kind: SessionStoreKind; notice: string | null }
  close(): Promise<void>
}

/** The signed-in user as the site keeps it in the session. */
interface SiteUser {
  id: number
  email: string
}

declare module 'express-session' {
  interface SessionData {
    user?: SiteUser
    theme?: string
  }
}

export async function createExampleApp(options: ExampleAppOptions): Promise<ExampleApp> {
  passwordHashCost() // a bad PASSWORD_HASH_COST stops the app here, before anything opens
  const kind = sessionStoreKind(options.sessionStore, options.databaseUrl)
  const redis = kind === 'redis' ? redisSettings(options.redis) : undefined
  const sequelize = await openDatabase(options.databaseUrl)
  const sessionStore = await createExampleStore(
    kind,
    options.databaseUrl,
    sequelize,
    redis,
    options.onError,
  ).catch(async (error: unknown) => {
    await sequelize.close()
    throw error
  })
  const { store } = sessionStore
  const User = defineUser(sequelize)

  // The whole integration: one object, then login()/logout() in the routes below. `records`
  // says where the library's records go: `sequelize` with the SQL stores (connect-session-sequelize
  // would default to its own instance), the sessions' own Redis with connect-redis.
  const singleSession = createSingleSession<UserRow>({
    store,
    ...sessionStore.records,
    ...options.singleSession,
  })
  try {
    await singleSession.migrate()
    await singleSession.ready()
    await User.sync()
    await seedDemoUsers(User)
  } catch (error) {
    await sessionStore.close().catch(() => undefined)
    await sequelize.close()
    throw error
  }

  const framework = options.express ?? express
  const app = framework()
  app.disable('x-powered-by')
  const cookie: session.CookieOptions = {
    httpOnly: true,
    sameSite: 'lax',
    maxAge: 8 * 60 * 60 * 1000,
  }
  app.use(
    session({
      name: 'sid',
      secret: options.sessionSecret,
      store,
      resave: options.resave ?? false,
      saveUninitialized: false,
      cookie,
    }),
  )
  app.use(singleSession.middleware())
  // The admin panel, on the same session cookie. No body parser may run before it.
  if (options.adminPanel ?? true) {
    const { ADMIN_ROOT, createAdminPanel } = await import('./admin.js')
    app.use(
      ADMIN_ROOT,
      createAdminPanel({
        sequelize,
        User,
        singleSession,
        store,
        sessionSecret: options.sessionSecret,
        cookie,
        router: framework.Router(),
      }).router,
    )
  }

  const json = framework.json({ limit: '10kb' })
  const form = framework.urlencoded({ extended: false, limit: '10kb' })

  // The library's browser script: the home page watches its session with it.
  app.get('/session-events.js', singleSession.eventsScript())

  app.get('/', async (req, res, next) => {
    try {
      const user = req.session.user ?? null
      const ending = user ? null : await singleSession.endedSession(req)
      res.type('html').send(homePage(user, ending ? explainEnding(ending) : undefined))
    } catch (error) {
      next(error)
    }
  })

  app.get('/login', async (req, res, next) => {
    try {
      const ending = await singleSession.endedSession(req)
      res.type('html').send(loginPage({ notice: ending ? explainEnding(ending) : undefined }))
    } catch (error) {
      next(error)
    }
  })

  app.post('/login', json, form, async (req, res, next) => {
    const wantsHtml =
      req.is('application/x-www-form-urlencoded') !== false && req.is('json') === false
    const { email, password } = (req.body ?? {}) as Record<string, unknown>
    if (
      typeof email !== 'string' ||
      typeof password !== 'string' ||
      email.length > 191 ||
      password.length > 1000
    ) {
      if (wantsHtml)
        return res
          .status(400)
          .type('html')
          .send(loginPage({ error: 'Enter your email and password.' }))
      return res.status(400).json({ error: 'Send {"email": string, "password": string}' })
    }
    try {
      const user = await User.findOne({ where: { email: email.trim().toLowerCase() } })
      if (!user || !(await verifyPassword(password, user.passwordHash))) {
        if (wantsHtml) {
          return res
            .status(401)
            .type('html')
            .send(loginPage({ error: 'Wrong email or password.', email }))
        }
        return res.status(401).json({ error: 'Wrong email or password' })
      }
      await singleSession.login(req, user)
      req.session.user = { id: user.id, email: user.email }
      if (wantsHtml) {
        // express-session saves at the end of the response, but a browser follows a redirect
        // as soon as it has the headers: save first, or the next page may not see the user yet.
        await new Promise<void>((resolve, reject) =>
          req.session.save((error) => (error ? reject(toError(error)) : resolve())),
        )
        return res.redirect(303, '/')
      }
      return res.json({ user: req.session.user })
    } catch (error) {
      if (isSingleSessionError(error, 'SESSION_LIMIT_REACHED')) {
        const message =
          'This account is already signed in on the maximum number of devices. Sign out there first.'
        if (wantsHtml)
          return res
            .status(409)
            .type('html')
            .send(loginPage({ error: message, email }))
        return res.status(409).json({ error: message, code: error.code })
      }
      return next(error)
    }
  })

  app.get('/me', async (req, res, next) => {
    const user = req.session.user
    if (user) return res.json({ user })
    try {
      // Say why, when the library ended this browser's session: a stable code for scripts.
      const ending = await singleSession.endedSession(req)
      return res.status(401).json({ error: 'Not signed in', reason: ending?.reason ?? null })
    } catch (error) {
      return next(error)
    }
  })

  // Why this browser was signed out, in the sentence the login page shows: what the home page
  // displays in place when its event stream says the session ended.
  app.get('/signed-out', async (req, res, next) => {
    try {
      const ending = await singleSession.endedSession(req)
      res.json({ reason: ending?.reason ?? null, message: ending ? explainEnding(ending) : null })
    } catch (error) {
      next(error)
    }
  })

  app.post('/preferences', json, requireUser, (req, res) => {
    const { theme } = (req.body ?? {}) as Record<string, unknown>
    if (typeof theme !== 'string' || theme.length === 0 || theme.length > 40) {
      return res.status(400).json({ error: 'Send {"theme": string} (1 to 40 characters)' })
    }
    req.session.theme = theme
    return res.json({ theme })
  })

  app.post('/logout', async (req, res, next) => {
    try {
      await singleSession.logout(req)
      res.clearCookie('sid')
      if (req.accepts(['json', 'html']) === 'html') return res.redirect(303, '/')
      return res.json({ ok: true })
    } catch (error) {
      return next(error)
    }
  })

  app.use(accountRoutes(singleSession, framework))

  app.use(errorHandler(options.onError))

  return {
    app,
    sequelize,
    User,
    singleSession,
    sessionStore: { kind, notice: sessionStore.notice },
    async close() {
      // Streams and the end listener first, as docs/events.md asks: they use the database.
      await singleSession.closeEvents()
      await sessionStore.close()
      await sequelize.close()
    },
  }
}

const requireUser: RequestHandler = (req, res, next) => {
  if (!req.session.user) {
    res.status(401).json({ error: 'Not signed in' })
    return
  }
  next()
}

function errorHandler(onError?: (error: unknown) => void): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const status = (error as { status?: number }).status
    if (status && status >= 400 && status < 500) {
      res
        .status(status)
        .json({ error: status === 413 ? 'Request body too large' : 'Malformed request body' })
      return
    }
    onError?.(error)
    if (res.headersSent) return
    // A database or session-store failure: say so, without details that could leak internals.
    res.status(503).json({ error: 'The service is temporarily unavailable; please try again' })
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
