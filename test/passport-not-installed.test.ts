import assert from 'node:assert/strict'
import SequelizeStoreInit from 'connect-session-sequelize'
import type { RequestHandler } from 'express'
import session from 'express-session'
import { describe, it } from 'node:test'
import passport from 'passport'
import { Strategy as LocalStrategy } from 'passport-local'
import { createSingleSession, ErrorCodes } from '../src/index.js'
import { freshDatabase } from './support/database.js'
import { express } from './support/express.js'
import { Browser, errorsAsJson, withServer, type ErrorBody } from './support/http.js'

const SequelizeStore = SequelizeStoreInit(session.Store)

/** A Passport app that mounts the middleware; `wire` says whether it calls passport(). */
async function withPassportApp(wire: boolean, body: (browser: Browser) => Promise<void>) {
  const db = await freshDatabase('passport-not-installed')
  const store = new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 })
  const singleSession = createSingleSession({ store })
  await singleSession.sync()
  const authenticator = new passport.Passport()
  authenticator.use(
    new LocalStrategy({ usernameField: 'email' }, (email, _password, done) =>
      done(null, email === 'alice@example.com' ? { id: 1, email } : false),
    ),
  )
  authenticator.serializeUser((user, done) => done(null, (user as { id: number }).id))
  authenticator.deserializeUser((id: number, done) =>
    done(null, { id, email: 'alice@example.com' }),
  )
  if (wire) singleSession.passport(authenticator)

  const app = express()
  app.use(
    session({ secret: 'test secret', name: 'sid', store, resave: false, saveUninitialized: false }),
  )
  app.use(singleSession.middleware())
  app.use(express.json())
  app.use(authenticator.initialize())
  app.use(authenticator.session())
  app.post('/login', authenticator.authenticate('local') as RequestHandler, (req, res) => {
    res.json({ user: (req.user as { id: number } | undefined)?.id ?? null })
  })
  app.get('/me', (req, res) => {
    res.json({ user: (req.user as { id: number } | undefined)?.id ?? null })
  })
  app.use(errorsAsJson)
  try {
    await withServer(app, body)
  } finally {
    await db.drop()
  }
}

const credentials = { email: 'alice@example.com', password: 'secret' }

describe('a Passport app that forgot singleSession.passport(passport)', () => {
  it('fails the requests of a session Passport signed in with PASSPORT_NOT_INSTALLED', () =>
    withPassportApp(false, async (browser) => {
      assert.equal((await browser.post('/login', credentials)).status, 200)
      const me = await browser.get<ErrorBody>('/me')
      assert.equal(me.status, 500)
      assert.equal(me.body.code, ErrorCodes.PASSPORT_NOT_INSTALLED)
      assert.match(me.body.message ?? '', /Call singleSession\.passport\(passport\)/)
    }))

  it('leaves anonymous requests alone', () =>
    withPassportApp(false, async (browser) => {
      assert.deepEqual((await browser.get('/me')).body, { user: null })
    }))

  it('is not raised once passport() is called', () =>
    withPassportApp(true, async (browser) => {
      assert.equal((await browser.post('/login', credentials)).status, 200)
      assert.deepEqual((await browser.get('/me')).body, { user: 1 })
    }))
})
