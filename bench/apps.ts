import express, { type Express, type Request } from 'express'
import session from 'express-session'
import type { Sequelize } from 'sequelize'
import { createSingleSession, type SingleSession } from '../src/index.js'
import { createStore, STORE_LABELS, type StoreKind } from './stores.js'

declare module 'express-session' {
  interface SessionData {
    userId?: string | number
    counter?: number
  }
}

export interface BenchUser {
  id: string
}

/**
 * The same small app twice, on one Sequelize instance and one session table: `plugin` with
 * the library (guarded store, middleware, `login()`), `plain` with the stock store of the same
 * kind (connect-session-sequelize unless `store` says otherwise; `url` is the database's, for
 * connect-pg-simple's own pool) and a login that regenerates and saves. Routes:
 * - `POST /login?u=ID`: the login, timed on the server (`Server-Timing: login;dur=ms`);
 * - `GET /me`: reads the session;
 * - `POST /write`: writes the session.
 */
export function createBenchApps(
  sequelize: Sequelize,
  { store = 'sequelize', url = '' }: { store?: StoreKind; url?: string } = {},
): {
  plugin: Express
  plain: Express
  singleSession: SingleSession<BenchUser>
  stores: { plugin: session.Store; plain: session.Store }
  label: string
} {
  const pluginStore = createStore(store, url, sequelize)
  const singleSession = createSingleSession<BenchUser>({ store: pluginStore, sequelize })
  const plainStore = createStore(store, url, sequelize)
  return {
    ...benchApps({ pluginStore, plainStore, singleSession }),
    label: STORE_LABELS[store],
  }
}

/**
 * The two apps of createBenchApps on stores made elsewhere: `plugin` with `singleSession` on
 * `pluginStore`, `plain` on `plainStore` (another store of the same kind).
 */
export function benchApps({
  pluginStore,
  plainStore,
  singleSession,
}: {
  pluginStore: session.Store
  plainStore: session.Store
  singleSession: SingleSession<BenchUser>
}): {
  plugin: Express
  plain: Express
  singleSession: SingleSession<BenchUser>
  stores: { plugin: session.Store; plain: session.Store }
} {
  const plugin = baseApp(pluginStore)
  plugin.use(singleSession.middleware())
  const plain = baseApp(plainStore)

  plugin.post('/login', async (req, res, next) => {
    try {
      const id = userParam(req)
      const started = performance.now()
      await singleSession.login(req, { id })
      const ms = performance.now() - started
      req.session.userId = id
      res.set('server-timing', `login;dur=${ms.toFixed(3)}`).json({ userId: id })
    } catch (error) {
      next(error)
    }
  })
  plain.post('/login', (req, res, next) => {
    const id = userParam(req)
    const started = performance.now()
    req.session.regenerate((error) => {
      if (error) return next(error)
      req.session.save((failure) => {
        if (failure) return next(failure)
        const ms = performance.now() - started
        req.session.userId = id
        res.set('server-timing', `login;dur=${ms.toFixed(3)}`).json({ userId: id })
      })
    })
  })
  for (const app of [plugin, plain]) {
    app.get('/me', (req, res) => {
      res.json({ userId: req.session.userId ?? null })
    })
    app.post('/write', (req, res) => {
      req.session.counter = (req.session.counter ?? 0) + 1
      res.json({ userId: req.session.userId ?? null, counter: req.session.counter })
    })
    app.use(((error, _req, res, _next) => {
      // express-session's end-of-request save fails after the response is out: report it.
      if (res.headersSent) {
        process.stderr.write(`late session error: ${String(error?.message ?? error)}\n`)
        return
      }
      res.status(500).json({ error: String(error?.message ?? error) })
    }) as express.ErrorRequestHandler)
  }
  return {
    plugin,
    plain,
    singleSession,
    stores: { plugin: pluginStore, plain: plainStore },
  }
}

function baseApp(store: session.Store): Express {
  const app = express()
  app.set('etag', false)
  app.use(
    session({
      store,
      secret: 'benchmark secret',
      name: 'sid',
      resave: false,
      saveUninitialized: false,
    }),
  )
  return app
}

function userParam(req: Request): string {
  const id = req.query.u
  if (typeof id !== 'string' || id === '') throw new Error('missing ?u=')
  return id
}
