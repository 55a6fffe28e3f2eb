import assert from 'node:assert/strict'
import SequelizeStoreInit from 'connect-session-sequelize'
import session from 'express-session'
import { describe, it } from 'node:test'
import { createSingleSession } from '../src/index.js'
import { freshDatabase } from './support/database.js'
import { express } from './support/express.js'
import { Browser, listen } from './support/http.js'

const SequelizeStore = SequelizeStoreInit(session.Store)

/** An app behind a proxy it trusts: `req.ip` is whatever X-Forwarded-For says. */
async function withProxiedApp(
  body: (browser: Browser, ipOf: () => Promise<string | null>) => Promise<void>,
) {
  const db = await freshDatabase('forwarded-ip')
  const store = new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 })
  const singleSession = createSingleSession({ store })
  await singleSession.sync()
  const app = express()
  app.set('trust proxy', true)
  app.use(
    session({ secret: 'test secret', name: 'sid', store, resave: false, saveUninitialized: false }),
  )
  app.post('/login', async (req, res, next) => {
    try {
      res.json(await singleSession.login(req, { id: 1 }))
    } catch (error) {
      next(error)
    }
  })
  const server = await listen(app)
  try {
    await body(
      new Browser(server.url),
      async () => (await singleSession.listSessions(1))[0]?.ip ?? null,
    )
  } finally {
    await server.close()
    await db.drop()
  }
}

describe('client IP from a trusted proxy', () => {
  const notAddresses = [
    '<script>alert(1)</script>',
    'unknown',
    '1.2.3.4.5',
    `fe80::1%${'a'.repeat(100)}`,
  ]
  for (const forwarded of notAddresses) {
    it(`is not recorded when X-Forwarded-For is ${JSON.stringify(forwarded.slice(0, 30))}`, () =>
      withProxiedApp(async (browser, ipOf) => {
        const login = await browser.request('POST', '/login', {}, { 'x-forwarded-for': forwarded })
        assert.equal(login.status, 200)
        assert.equal(await ipOf(), null)
      }))
  }

  for (const address of ['203.0.113.7', '2001:db8::1']) {
    it(`is recorded when X-Forwarded-For is the address ${address}`, () =>
      withProxiedApp(async (browser, ipOf) => {
        await browser.request('POST', '/login', {}, { 'x-forwarded-for': address })
        assert.equal(await ipOf(), address)
      }))
  }
})
