import type { ErrorRequestHandler } from 'express'
import session from 'express-session'
import {
  createSingleSession,
  isSingleSessionError,
  type SingleSessionOptions,
} from '../../src/index.js'
import type { TestDatabase } from './database.js'
import { Gates } from './gates.js'
import { express } from './express.js'
import { Browser, listen } from './http.js'
import { createTestStore, type TestStore } from './stores.js'
import { recordsOf } from './records.js'

export interface TestUser {
  id: number | string
  role?: string
}

declare module 'express-session' {
  interface SessionData {
    userId?: string | number
    theme?: string
  }
}

/**
 * A small real app around the library: express, express-session, the store TEST_STORE names
 * (connect-session-sequelize by default) and the plugin on a real database, listening on a
 * real port. Routes can be held at gates.
 */
export async function startTestApp(
  db: TestDatabase,
  options: Partial<SingleSessionOptions<TestUser>> & {
    resave?: boolean
    sync?: 'sync' | 'migrate'
    /** The store, and what the library is given with it. Default: the one TEST_STORE names. */
    testStore?: TestStore
  } = {},
) {
  const {
    resave = false,
    sync = 'sync',
    testStore = createTestStore(db),
    ...singleSessionOptions
  } = options
  const { store } = testStore
  const singleSession = createSingleSession<TestUser>({
    store,
    ...testStore.libraryOptions(),
    ...singleSessionOptions,
  })
  if (sync === 'sync') await singleSession.sync()
  else await singleSession.migrate()
  const gates = new Gates()

  const app = express()
  app.use(session({ secret: 'test secret', name: 'sid', store, resave, saveUninitialized: false }))
  app.use(singleSession.middleware())
  app.use(express.json())

  app.post('/login', async (req, res, next) => {
    try {
      const user = req.body as TestUser
      await singleSession.login(req, user)
      req.session.userId = user.id
      res.json({ sid: req.sessionID })
    } catch (error) {
      if (isSingleSessionError(error, 'SESSION_LIMIT_REACHED')) {
        res.status(409).json({ code: error.code, message: error.message })
      } else if (isSingleSessionError(error)) {
        res.status(400).json({ code: error.code, message: error.message })
      } else next(error)
    }
  })
  app.get('/me', async (req, res) => {
    if (typeof req.query.gate === 'string') await gates.pass(req.query.gate)
    res.json({
      userId: req.session.userId ?? null,
      theme: req.session.theme ?? null,
      sid: req.sessionID,
    })
  })
  app.get('/why', async (req, res) => {
    res.json({ ending: await singleSession.endedSession(req) })
  })
  app.post('/write', async (req, res) => {
    if (typeof req.query.gate === 'string') await gates.pass(req.query.gate)
    req.session.theme = (req.body as { theme?: string }).theme ?? 'dark'
    res.json({ ok: true })
  })
  // What an app does after a password change: keep the data, change the id.
  app.post('/rotate', (req, res, next) => {
    const data = { ...req.session } as Record<string, unknown>
    delete data.cookie
    req.session.regenerate((error) => {
      if (error) return next(error)
      Object.assign(req.session, data)
      const gate = typeof req.query.gate === 'string' ? gates.pass(req.query.gate) : undefined
      void Promise.resolve(gate).then(() => res.json({ sid: req.sessionID }))
    })
  })
  app.get('/devices', async (req, res, next) => {
    try {
      res.json({ devices: await singleSession.listDevices(req) })
    } catch (error) {
      next(error)
    }
  })
  app.delete('/devices/:id', async (req, res, next) => {
    try {
      res.json({ ended: await singleSession.endDevice(req, Number(req.params.id)) })
    } catch (error) {
      next(error)
    }
  })
  app.post('/logout', async (req, res, next) => {
    try {
      res.json(await singleSession.logout(req))
    } catch (error) {
      next(error)
    }
  })
  app.use(((error, _req, res, _next) => {
    res.status(500).json({ error: String(error?.message ?? error) })
  }) as ErrorRequestHandler)

  const server = await listen(app)

  return {
    url: server.url,
    singleSession,
    store,
    testStore,
    gates,
    browser: () => new Browser(server.url),
    /** The sessions in the store, by sid. */
    storedSids: () => testStore.storedSids(),
    /** The registry's records, oldest first, as { sid, userId }. */
    async records(userId?: string): Promise<Array<{ sid: string; userId: string }>> {
      const rows = await recordsOf(singleSession, userId === undefined ? {} : { userId })
      return rows.map(({ sid, userId }) => ({ sid, userId }))
    },
    expireSession: (sid: string) => testStore.expire(sid),
    async close() {
      await server.close()
      await testStore.close()
    },
  }
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>
