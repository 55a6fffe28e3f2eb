import SequelizeStoreInit from 'connect-session-sequelize'
import type { ErrorRequestHandler } from 'express'
import session from 'express-session'
import { Op, QueryTypes } from 'sequelize'
import {
  createSingleSession,
  isSingleSessionError,
  type SingleSessionOptions,
} from '../../src/index.js'
import type { SequelizeStoreLike } from '../../src/store/drivers/sequelize.js'
import { queryGeneratorOf } from '../../src/registry/sequelize/sql.js'
import type { TestDatabase } from './database.js'
import { Gates } from './gates.js'
import { express } from './express.js'
import { Browser, listen } from './http.js'

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

const SequelizeStore = SequelizeStoreInit(session.Store)

/**
 * A small real app around the library: express, express-session, connect-session-sequelize
 * and the plugin on a real database, listening on a real port. Routes can be held at gates.
 */
export async function startTestApp(
  db: TestDatabase,
  options: Partial<SingleSessionOptions<TestUser>> & {
    resave?: boolean
    sync?: 'sync' | 'migrate'
  } = {},
) {
  const { resave = false, sync = 'sync', ...singleSessionOptions } = options
  const store = new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 })
  const singleSession = createSingleSession<TestUser>({ store, ...singleSessionOptions })
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
  const sessionTable = singleSession.options.storeDriver.tableName ?? ''
  const q = (name: string) => queryGeneratorOf(db.sequelize).quoteTable(name)

  return {
    url: server.url,
    singleSession,
    store,
    gates,
    browser: () => new Browser(server.url),
    /** Rows of the store's table, by sid. */
    async storedSids(): Promise<string[]> {
      const rows = await db.sequelize.query<{ sid: string }>(
        `SELECT sid FROM ${q(sessionTable)} ORDER BY sid`,
        {
          type: QueryTypes.SELECT,
        },
      )
      return rows.map((r) => r.sid)
    },
    /** Rows of the registry, as [sid, userId]. */
    async records(userId?: string): Promise<Array<{ sid: string; userId: string }>> {
      const rows = await singleSession.registry.model.findAll({
        attributes: ['sid', 'userId'],
        where: userId === undefined ? {} : { userId },
        order: [['id', 'ASC']],
        raw: true,
      })
      return rows.map(({ sid, userId }) => ({ sid, userId }))
    },
    async expireSession(sid: string): Promise<void> {
      await (store as unknown as SequelizeStoreLike).sessionModel.update(
        { expires: new Date(Date.now() - 1000) },
        { where: { sid: { [Op.eq]: sid } } },
      )
    },
    async close() {
      await server.close()
    },
  }
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>
