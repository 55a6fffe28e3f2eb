/**
 * The User feature on a User resource from @adminjs/typeorm (the other admin tests use
 * @adminjs/sequelize): a real panel whose users live in a TypeORM entity, while the library's own
 * tables stay on Sequelize. Driven through HTTP like the panel's API client.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildAuthenticatedRouter } from '@adminjs/express'
import { Database, Resource } from '@adminjs/typeorm'
import AdminJS, { ComponentLoader, type CurrentAdmin } from 'adminjs'
import express from 'express'
import session from 'express-session'
import { BaseEntity, DataSource, EntitySchema } from 'typeorm'
import { createExampleStore, type ExampleStore } from '../example-app/store.js'
import { hashPassword, verifyPassword } from '../example-app/passwords.js'
import {
  adminErrorHandler,
  singleSessionFeature,
  SingleSessionAuthProvider,
} from '../src/adminjs/index.js'
import type { LogoutSummary } from '../src/adminjs/types.js'
import { createSingleSession, type SingleSession } from '../src/index.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { Browser, listen, sidOf } from './support/http.js'

AdminJS.registerAdapter({ Database, Resource })

/** The app's User, mapped by an EntitySchema (no decorators); BaseEntity is what the adapter reads. */
class User extends BaseEntity {
  declare id: number
  declare email: string
  declare role: string
  /** Panel permissions: 'logout' and/or 'logout_all'. */
  declare permissions: string[]
  declare passwordHash: string
}

const UserEntity = new EntitySchema<User>({
  name: 'User',
  target: User,
  tableName: 'users',
  columns: {
    id: { type: 'integer', primary: true, generated: 'increment' },
    email: { type: 'varchar', length: 191, unique: true },
    role: { type: 'varchar', length: 20, default: 'user' },
    permissions: { type: 'simple-json' },
    passwordHash: { type: 'varchar', length: 200 },
  },
})

const USERS = [
  ['admin', 'admin', ['logout', 'logout_all']],
  ['root', 'admin', ['logout', 'logout_all']],
  ['staff', 'staff', ['logout']],
  ['alice', 'user', []],
  ['bob', 'user', []],
] as const

interface ActionBody {
  notice?: { message: string; type: string; options?: { text?: string } }
  singleSession?: LogoutSummary
}
const noticeText = (body: ActionBody) => body.notice?.options?.text ?? body.notice?.message
const BULK = '/admin/api/resources/User/bulk/bulkLogoutAllSessions'
const RECORD = (id: number) => `/admin/api/resources/User/records/${id}/logoutAllSessions`

declare module 'express-session' {
  interface SessionData {
    siteUser?: number
  }
}

describe(
  'AdminJS User feature on @adminjs/typeorm',
  {
    skip: process.env.TEST_DATABASE_URL
      ? 'SQLite only: the TypeORM User resource is tested on SQLite (TypeORM needs its own driver per server)'
      : false,
  },
  () => {
    let db: TestDatabase
    let dataSource: DataSource
    let sessions: ExampleStore
    let singleSession: SingleSession<User>
    let server: Awaited<ReturnType<typeof listen>>
    let admin: AdminJS
    const ids: Record<string, number> = {}
    const secret = 'typeorm panel secret'

    before(async () => {
      db = await freshDatabase('admin_typeorm')
      // The library's tables and the session store on Sequelize; the users on TypeORM, same file.
      sessions = await createExampleStore('sequelize', db.url, db.sequelize)
      singleSession = createSingleSession<User>({
        store: sessions.store,
        sequelize: db.sequelize,
        limit: 3, // a user signed in on two browsers, as in the example app's tests
      })
      await singleSession.migrate()
      await singleSession.ready()
      dataSource = new DataSource({
        type: 'sqlite',
        database: db.url.slice('sqlite:'.length),
        entities: [UserEntity],
        synchronize: true,
        busyTimeout: 10_000,
      })
      await dataSource.initialize()
      const passwordHash = await hashPassword('password')
      for (const [who, role, permissions] of USERS) {
        const user = await User.create({
          email: `${who}@example.com`,
          role,
          permissions: [...permissions],
          passwordHash,
        }).save()
        ids[who] = user.id
      }

      const componentLoader = new ComponentLoader()
      admin = new AdminJS({
        rootPath: '/admin',
        componentLoader,
        resources: [
          {
            resource: User,
            options: {
              id: 'User',
              properties: { passwordHash: { isVisible: false } },
            },
            features: [singleSessionFeature({ singleSession, componentLoader })],
          },
        ],
      })
      const provider = new SingleSessionAuthProvider<User>({
        singleSession,
        componentLoader,
        authenticate: async ({ email, password }) => {
          const user = await User.findOneBy({ email: email.trim().toLowerCase() })
          if (!user || !(await verifyPassword(password, user.passwordHash))) return null
          return ['admin', 'staff'].includes(user.role) ? user : null
        },
        currentAdmin: (user): CurrentAdmin => ({
          id: String(user.id),
          email: user.email,
          role: user.role,
          permissions: [...user.permissions],
        }),
      })
      const cookie: session.CookieOptions = { httpOnly: true, sameSite: 'lax' }
      const router = buildAuthenticatedRouter(
        admin,
        { provider, cookieName: 'sid', cookiePassword: secret },
        null,
        { store: sessions.store, secret, resave: false, saveUninitialized: false, cookie },
      )
      router.use(adminErrorHandler())

      const app = express()
      app.use(
        session({
          name: 'sid',
          secret,
          store: sessions.store,
          resave: false,
          saveUninitialized: false,
          cookie,
        }),
      )
      app.use(singleSession.middleware())
      app.use('/admin', router)
      // The site: a JSON login (a user's browser) and a page that says who is signed in.
      app.post('/login', express.json(), async (req, res, next) => {
        try {
          const user = await User.findOneByOrFail({ email: (req.body as { email: string }).email })
          await singleSession.login(req, user)
          req.session.siteUser = user.id
          res.json({ id: user.id })
        } catch (error) {
          next(error)
        }
      })
      app.get('/me', (req, res) => {
        res.status(req.session.siteUser ? 200 : 401).json({ id: req.session.siteUser ?? null })
      })
      server = await listen(app)
    })

    after(async () => {
      await server?.close()
      if (dataSource?.isInitialized) await dataSource.destroy()
      await sessions?.close()
      await db?.drop()
    })

    async function site(who: string): Promise<Browser> {
      const browser = new Browser(server.url)
      const res = await browser.post(`/login`, { email: `${who}@example.com` })
      assert.equal(res.status, 200, `site login of ${who}`)
      return browser
    }

    async function panel(who: string): Promise<Browser> {
      const browser = new Browser(server.url)
      const res = await browser.request(
        'POST',
        '/admin/login',
        `email=${encodeURIComponent(`${who}@example.com`)}&password=password`,
        { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      )
      assert.equal(res.status, 302, `panel login of ${who}`)
      assert.equal(res.headers.get('location'), '/admin')
      return browser
    }

    const count = async (who: string) => (await singleSession.listSessions(ids[who]!)).length
    const reset = () => singleSession.logoutUsers(Object.values(ids))

    it('the User resource is @adminjs/typeorm’s, and the panel login is recorded by the library', async () => {
      assert.ok(admin.findResource('User') instanceof Resource)
      await reset()
      const signedIn = await panel('admin')
      const recorded = await singleSession.listSessions(ids.admin!)
      assert.deepEqual(
        recorded.map((r) => r.sid),
        [sidOf(signedIn.cookie)],
      )
      const list = await signedIn.get<{ records: Array<{ id: string; params: object }> }>(
        '/admin/api/resources/User/actions/list',
      )
      assert.equal(list.status, 200)
      assert.equal(list.body.records.length, USERS.length)
    })

    it('the record action logs the user out on all sessions: their browser is anonymous next', async () => {
      await reset()
      const alice = [await site('alice'), await site('alice')]
      assert.equal((await alice[0]!.get('/me')).status, 200)
      const admin = await panel('admin')

      const preview = await admin.get<ActionBody>(RECORD(ids.alice!))
      assert.equal(preview.body.singleSession?.phase, 'preview')
      assert.deepEqual(
        preview.body.singleSession?.targets.map((t) => [t.label, t.sessions]),
        [['alice@example.com', 2]],
      )
      assert.equal(await count('alice'), 2, 'GET changed nothing')

      const done = await admin.post<ActionBody>(RECORD(ids.alice!))
      assert.equal(done.body.notice?.type, 'success', done.text.slice(0, 300))
      assert.equal(noticeText(done.body), '1 user logged out (2 sessions)')
      assert.equal(await count('alice'), 0)
      for (const browser of alice) assert.equal((await browser.get('/me')).status, 401)
    })

    it('the bulk action logs out several users and reports per user', async () => {
      await reset()
      await site('alice')
      await site('alice')
      const bob = await site('bob')
      const admin = await panel('admin')
      const done = await admin.post<ActionBody>(`${BULK}?recordIds=${ids.alice},${ids.bob}`)
      assert.equal(done.body.notice?.type, 'success', done.text.slice(0, 300))
      assert.equal(noticeText(done.body), '2 users logged out (3 sessions)')
      assert.deepEqual(done.body.singleSession?.targets.map((t) => [t.label, t.sessions]).sort(), [
        ['alice@example.com', 2],
        ['bob@example.com', 1],
      ])
      assert.equal(await count('alice'), 0)
      assert.equal(await count('bob'), 0)
      assert.equal((await bob.get('/me')).status, 401)
    })

    it('staff (logout only) cannot log out an admin; in a selection the admin is skipped and named', async () => {
      await reset()
      const root = await site('root')
      await site('alice')
      const staff = await panel('staff')

      const refused = await staff.post<ActionBody>(RECORD(ids.root!))
      assert.equal(refused.body.notice?.type, 'error', refused.text.slice(0, 300))
      assert.deepEqual(
        refused.body.singleSession?.skipped.map((s) => s.label),
        ['root@example.com'],
      )
      assert.equal(await count('root'), 1, 'nothing ended')
      assert.equal((await root.get('/me')).status, 200)

      const partial = await staff.post<ActionBody>(`${BULK}?recordIds=${ids.alice},${ids.root}`)
      assert.equal(
        noticeText(partial.body),
        '1 user logged out (1 session); 1 admin skipped: root@example.com (needs logout_all)',
      )
      assert.equal(await count('alice'), 0)
      assert.equal(await count('root'), 1)
    })

    it('a logout_all holder can log out an admin', async () => {
      await reset()
      const root = await site('root')
      const admin = await panel('admin')
      const done = await admin.post<ActionBody>(RECORD(ids.root!))
      assert.equal(done.body.notice?.type, 'success', done.text.slice(0, 300))
      assert.equal(noticeText(done.body), '1 user logged out (1 session)')
      assert.equal(await count('root'), 0)
      assert.equal((await root.get('/me')).status, 401)
    })

    it('re-reads the acting admin from the TypeORM table: a revoked logout_all no longer works', async () => {
      await reset()
      await site('root')
      const admin = await panel('admin')
      await User.update({ id: ids.admin! }, { permissions: ['logout'] })
      try {
        const refused = await admin.post<ActionBody>(RECORD(ids.root!))
        assert.equal(refused.body.notice?.type, 'error', refused.text.slice(0, 300))
        assert.equal(await count('root'), 1)
      } finally {
        await User.update({ id: ids.admin! }, { permissions: ['logout', 'logout_all'] })
      }
    })
  },
)
