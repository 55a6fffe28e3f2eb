import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { QueryTypes } from 'sequelize'
import { createExampleApp, type ExampleApp } from '../example-app/app.js'
import { createPassportExampleApp } from '../example-app/passport-app.js'
import { dialect, freshDatabase, type TestDatabase } from './support/database.js'
import { express } from './support/express.js'
import { Browser, listen, sidOf } from './support/http.js'

describe('example app', () => {
  let db: TestDatabase
  let example: ExampleApp
  let server: Awaited<ReturnType<typeof listen>>
  const browser = () => new Browser(server.url)

  before(async () => {
    db = await freshDatabase('example')
    example = await createExampleApp({
      databaseUrl: db.url,
      sessionSecret: 'example test secret',
      express,
    })
    server = await listen(example.app)
  })
  after(async () => {
    await server.close()
    await example.close()
    await db.drop()
  })

  it('creates the demo accounts', async () => {
    const emails = (await example.User.findAll({ order: [['email', 'ASC']] })).map((u) => u.email)
    assert.deepEqual(emails, [
      'admin@example.com',
      'alice@example.com',
      'bob@example.com',
      'root@example.com',
      'staff@example.com',
    ])
  })

  describe('JSON contract', () => {
    it('POST /login: 200 {user} for good credentials, 401 for bad ones, 400 for a malformed body', async () => {
      const b = browser()
      const ok = await b.post('/login', { email: 'bob@example.com', password: 'password' })
      assert.equal(ok.status, 200)
      assert.deepEqual(Object.keys(ok.body), ['user'])
      assert.equal((ok.body.user as { email: string }).email, 'bob@example.com')
      assert.equal(typeof (ok.body.user as { id: unknown }).id, 'number')

      const wrong = await browser().post('/login', { email: 'bob@example.com', password: 'nope' })
      assert.equal(wrong.status, 401)
      assert.equal(typeof wrong.body.error, 'string')
      const unknown = await browser().post('/login', {
        email: 'nobody@example.com',
        password: 'password',
      })
      assert.equal(unknown.status, 401)

      for (const body of [
        '{not json',
        JSON.stringify({ email: 1, password: 'x' }),
        JSON.stringify([1, 2]),
      ]) {
        const malformed = await browser().request('POST', '/login', body, {
          'content-type': 'application/json',
        })
        assert.equal(malformed.status, 400, body)
        assert.equal(typeof malformed.body.error, 'string')
      }
    })

    it('GET /me: 200 {user} when signed in, 401 {error} otherwise', async () => {
      const b = browser()
      assert.equal((await b.get('/me')).status, 401)
      await b.post('/login', { email: 'alice@example.com', password: 'password' })
      const me = await b.get('/me')
      assert.equal(me.status, 200)
      assert.equal((me.body.user as { email: string }).email, 'alice@example.com')
    })

    it('POST /preferences stores the theme in the session; 401 when not signed in', async () => {
      assert.equal((await browser().post('/preferences', { theme: 'dark' })).status, 401)
      const b = browser()
      await b.post('/login', { email: 'alice@example.com', password: 'password' })
      const saved = await b.post('/preferences', { theme: 'dark' })
      assert.deepEqual([saved.status, saved.body], [200, { theme: 'dark' }])
      assert.equal((await b.post('/preferences', { theme: 42 })).status, 400)
    })

    it('POST /logout: 200, and the session is gone', async () => {
      const b = browser()
      await b.post('/login', { email: 'alice@example.com', password: 'password' })
      const stolen = b.cookie
      assert.equal((await b.post('/logout')).status, 200)
      assert.equal((await b.get('/me')).status, 401)
      const replay = browser()
      replay.cookie = stolen
      assert.equal((await replay.get('/me')).status, 401)
    })
  })

  it('enforces one session per user across two browsers', async () => {
    const laptop = browser()
    const phone = browser()
    await laptop.post('/login', { email: 'staff@example.com', password: 'password' })
    assert.equal((await laptop.get('/me')).status, 200)
    await phone.post('/login', { email: 'staff@example.com', password: 'password' })
    assert.equal((await phone.get('/me')).status, 200)
    assert.equal((await laptop.get('/me')).status, 401)
  })

  describe('HTML pages', () => {
    it('a login form that signs in and redirects home, which names the user', async () => {
      const b = browser()
      const form = await b.request('GET', '/login', undefined, { accept: 'text/html' })
      assert.match(form.text, /<form[^>]+action="\/login"/)
      const posted = await b.request(
        'POST',
        '/login',
        'email=alice%40example.com&password=password',
        {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'text/html',
        },
      )
      assert.equal(posted.status, 303)
      assert.equal(posted.headers.get('location'), '/')
      const home = await b.request('GET', '/', undefined, { accept: 'text/html' })
      assert.match(home.text, /Signed in as <strong[^>]*>alice@example\.com/)
      assert.match(home.text, /<form method="post" action="\/logout">/)
    })

    it('has saved the signed-in user before the redirect goes out (browsers follow it at once)', async () => {
      for (let attempt = 0; attempt < 10; attempt++) {
        const response = await fetch(`${server.url}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
          body: 'email=bob%40example.com&password=password',
        })
        assert.equal(response.status, 303)
        // Follow the redirect the moment the headers arrive, before the body is complete.
        const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!
        const home = await fetch(`${server.url}/`, { headers: { cookie, accept: 'text/html' } })
        assert.match(await home.text(), /Signed in as/)
        await response.text()
      }
    })

    it('shows an error on the form for wrong credentials, escaping what was typed', async () => {
      const response = await browser().request('POST', '/login', 'email=%3Cb%3Ex&password=nope', {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      })
      assert.equal(response.status, 401)
      assert.match(response.text, /Wrong email or password/)
      assert.doesNotMatch(response.text, /<b>x/)
    })
  })
})

describe('example app: SESSION_STORE', () => {
  const alice = { email: 'alice@example.com', password: 'password' }
  const builders = {
    'the example app': createExampleApp,
    'the Passport example': createPassportExampleApp,
  }

  for (const [name, build] of Object.entries(builders)) {
    it(`${name} refuses pg-simple on a database that is not PostgreSQL, saying what to set`, async () => {
      for (const databaseUrl of [
        'sqlite::memory:',
        'mariadb://root:not-to-be-shown@127.0.0.1:1/test',
      ]) {
        await assert.rejects(
          build({ databaseUrl, sessionStore: 'pg-simple', sessionSecret: 'x', express }),
          (error: Error) => {
            assert.match(
              error.message,
              /^SESSION_STORE=pg-simple needs DATABASE_URL=postgres:\/\/\.\.\.; got a (sqlite|mariadb): URL/,
            )
            assert.doesNotMatch(error.message, /not-to-be-shown/)
            return true
          },
        )
      }
    })

    it(`${name} refuses an unknown SESSION_STORE, naming the valid ones`, async () => {
      await assert.rejects(
        build({
          databaseUrl: 'sqlite::memory:',
          sessionStore: 'redis',
          sessionSecret: 'x',
          express,
        }),
        {
          message:
            'SESSION_STORE must be sequelize (the default), pg-simple or memory; got "redis"',
        },
      )
    })
  }

  it('memory: MemoryStore keeps the sessions, one per user as with the default store', async () => {
    const db = await freshDatabase('example_memory')
    const example = await createExampleApp({
      databaseUrl: db.url,
      sessionStore: 'memory',
      sessionSecret: 'example test secret',
      express,
    })
    const server = await listen(example.app)
    try {
      assert.match(example.sessionStore.notice ?? '', /MemoryStore: one process only/)
      const first = new Browser(server.url)
      const second = new Browser(server.url)
      assert.equal((await first.post('/login', alice)).status, 200)
      assert.equal((await second.post('/login', alice)).status, 200)
      assert.equal((await first.get('/me')).status, 401)
      assert.equal((await second.get('/me')).status, 200)
    } finally {
      await server.close()
      await example.close()
      await db.drop()
    }
  })

  describe(
    'pg-simple: connect-pg-simple\'s "session" table',
    {
      skip: dialect() === 'postgres' ? false : 'needs TEST_DATABASE_URL=postgres://...',
    },
    () => {
      let db: TestDatabase
      let example: ExampleApp
      let server: Awaited<ReturnType<typeof listen>>

      before(async () => {
        db = await freshDatabase('example_pg_simple')
        example = await createExampleApp({
          databaseUrl: db.url,
          sessionStore: 'pg-simple',
          sessionSecret: 'example test secret',
          express,
        })
        server = await listen(example.app)
      })
      after(async () => {
        await server?.close()
        await example?.close()
        await db?.drop()
      })

      /** The rows of "session", as sid and signed-in email (null for an anonymous session). */
      const rows = () =>
        db.sequelize.query<{ sid: string; email: string | null }>(
          `SELECT sid, sess->'user'->>'email' AS email FROM "session" ORDER BY sid`,
          { type: QueryTypes.SELECT },
        )

      it('logging in on a second browser signs the first out; "session" holds the one row', async () => {
        assert.equal(example.sessionStore.kind, 'pg-simple')
        const first = new Browser(server.url)
        const second = new Browser(server.url)
        assert.equal((await first.post('/login', alice)).status, 200)
        assert.equal((await second.post('/login', alice)).status, 200)
        assert.deepEqual((await first.get('/me')).body, {
          error: 'Not signed in',
          reason: 'signed-in-elsewhere',
        })
        assert.equal((await second.get('/me')).status, 200)
        const signedIn = (await rows()).filter((row) => row.email === alice.email)
        assert.deepEqual(signedIn, [{ sid: sidOf(second.cookie), email: alice.email }])
        // Nothing went to connect-session-sequelize's table.
        const [sessions] = await db.sequelize.query<{ table: string | null }>(
          `SELECT to_regclass('"Sessions"')::text AS table`,
          { type: QueryTypes.SELECT },
        )
        assert.equal(sessions!.table, null)
      })

      it('logout everywhere deletes the row from "session", and only that user\'s', async () => {
        const bob = new Browser(server.url)
        assert.equal(
          (await bob.post('/login', { email: 'bob@example.com', password: 'password' })).status,
          200,
        )
        const alices = new Browser(server.url)
        assert.equal((await alices.post('/login', alice)).status, 200)
        assert.equal((await rows()).filter((row) => row.email === alice.email).length, 1)
        assert.equal((await alices.post('/logout')).status, 200)
        assert.equal((await alices.get('/me')).status, 401)
        assert.deepEqual(
          (await rows()).filter((row) => row.email !== null),
          [{ sid: sidOf(bob.cookie), email: 'bob@example.com' }],
        )
      })
    },
  )
})
