import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { QueryTypes } from 'sequelize'
import { createExampleApp, type ExampleApp } from '../example-app/app.js'
import { tableNames } from '../src/migrations/context.js'
import { createPassportExampleApp } from '../example-app/passport-app.js'
import { hashPassword, passwordHashCost, verifyPassword } from '../example-app/passwords.js'
import { dialect, freshDatabase, type TestDatabase } from './support/database.js'
import { express } from './support/express.js'
import { Browser, listen, sidOf } from './support/http.js'
import {
  needsTestRedis,
  redisDatabaseUrl,
  redisOutage,
  redisProbe,
  type RedisOutage,
  type RedisProbe,
} from './support/redis-example.js'
import { redisUrl, uniquePrefix } from './support/stores.js'

/**
 * The example app on each store kind that keeps sessions outside the process: the default
 * (connect-session-sequelize) and, with TEST_REDIS_URL, Redis (sessions and the library's records
 * in Redis under a prefix of this run, users in the test database).
 */
const STORE_RUNS = [
  { title: 'example app', sessionStore: undefined, skip: false },
  { title: 'example app on Redis', sessionStore: 'redis', skip: needsTestRedis.skip },
] as const

for (const run of STORE_RUNS)
  describe(run.title, { skip: run.skip }, () => {
    let db: TestDatabase
    let example: ExampleApp
    let server: Awaited<ReturnType<typeof listen>>
    let probe: RedisProbe | undefined
    const browser = () => new Browser(server.url)

    before(async () => {
      db = await freshDatabase('example')
      const prefix = uniquePrefix('example')
      example = await createExampleApp({
        adminPanel: false,
        databaseUrl: db.url,
        sessionStore: run.sessionStore,
        redis: { url: redisUrl(), prefix },
        sessionSecret: 'example test secret',
        express,
      })
      if (run.sessionStore === 'redis') probe = await redisProbe(redisUrl(), prefix)
      server = await listen(example.app)
    })
    after(async () => {
      await server?.close()
      await example?.close()
      await probe?.drop()
      await probe?.close()
      await db?.drop()
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

describe('example app: password hashes', () => {
  it('reads PASSWORD_HASH_COST, a power of two, and refuses anything else at start-up', async () => {
    assert.equal(passwordHashCost({}), 16384)
    assert.equal(passwordHashCost({ PASSWORD_HASH_COST: '1024' }), 1024)
    for (const bad of ['1000', '0', '1', '2097152', '1e3', 'fast']) {
      assert.throws(() => passwordHashCost({ PASSWORD_HASH_COST: bad }), /PASSWORD_HASH_COST/)
    }
    const previous = process.env.PASSWORD_HASH_COST
    process.env.PASSWORD_HASH_COST = 'fast'
    try {
      await assert.rejects(
        createExampleApp({ databaseUrl: 'sqlite::memory:', sessionSecret: 's' }),
        /PASSWORD_HASH_COST must be a power of two/,
      )
    } finally {
      if (previous === undefined) delete process.env.PASSWORD_HASH_COST
      else process.env.PASSWORD_HASH_COST = previous
    }
  })

  it('each hash keeps its own cost; the older format without one still verifies', async () => {
    const cheap = await hashPassword('password', 1024)
    const dear = await hashPassword('password', 16384)
    assert.match(cheap, /^scrypt\$1024\$/)
    assert.ok(await verifyPassword('password', cheap))
    assert.ok(await verifyPassword('password', dear))
    assert.ok(!(await verifyPassword('Password', cheap)))
    // scrypt$<salt>$<key>, as hashed before the cost was recorded: N = 2^14.
    const [, , salt, key] = dear.split('$')
    assert.ok(await verifyPassword('password', `scrypt$${salt}$${key}`))
    assert.ok(!(await verifyPassword('password', `scrypt$1024$${salt}$${key}`)))
    for (const junk of ['', 'scrypt$', 'bcrypt$1$2$3', `scrypt$abc$${salt}$${key}`])
      assert.ok(!(await verifyPassword('password', junk)), junk)
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
          sessionStore: 'mongo',
          sessionSecret: 'x',
          express,
        }),
        {
          message:
            'SESSION_STORE must be sequelize (the default), pg-simple, memory or redis; got "mongo"',
        },
      )
    })
  }

  it('memory: MemoryStore keeps the sessions, one per user as with the default store', async () => {
    const db = await freshDatabase('example_memory')
    const example = await createExampleApp({
      adminPanel: false,
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
      // adminPanel: false: a plain site, no panel mounted.
      assert.equal((await second.get('/admin')).status, 404)
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
          adminPanel: false,
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

describe('example app: SESSION_STORE=redis, start-up', () => {
  const builders = {
    'the example app': createExampleApp,
    'the Passport example': createPassportExampleApp,
  }

  for (const [name, build] of Object.entries(builders)) {
    it(`${name} fails at start-up when Redis is unreachable, in one sentence that says what to set`, async () => {
      const port = await closedPort()
      await assert.rejects(
        build({
          databaseUrl: 'sqlite::memory:',
          sessionStore: 'redis',
          redis: { url: `redis://default:not-to-be-shown@127.0.0.1:${port}/2` },
          sessionSecret: 'x',
          express,
        }),
        (error: Error) => {
          assert.match(
            error.message,
            new RegExp(
              `^SESSION_STORE=redis cannot reach Redis at redis://default:\\*\\*\\*@127\\.0\\.0\\.1:${port}/2 ` +
                '\\([^\\n]*ECONNREFUSED[^\\n]*\\): start Redis there, or set REDIS_URL=redis://host:port\\[/db\\] to one that runs$',
            ),
          )
          assert.doesNotMatch(error.message, /not-to-be-shown/)
          return true
        },
      )
    })

    it(`${name} refuses a REDIS_URL that is not redis://, before opening the database`, async () => {
      await assert.rejects(
        build({
          // Unreachable: opening it first would fail with another message.
          databaseUrl: 'mariadb://root@127.0.0.1:1/test',
          sessionStore: 'redis',
          redis: { url: 'http://user:not-to-be-shown@127.0.0.1:6379' },
          sessionSecret: 'x',
          express,
        }),
        {
          message:
            'REDIS_URL must be redis://host:port (or rediss://, with /<db> to pick a database); got a http: URL',
        },
      )
    })
  }
})

describe('example app: SESSION_STORE=redis', needsTestRedis, () => {
  const alice = { email: 'alice@example.com', password: 'password' }
  const url = redisUrl()

  /** The example app on a fresh database and a fresh prefix of the test Redis. */
  async function start(
    label: string,
    options: { url?: string; passport?: boolean } = {},
  ): Promise<{
    url: string
    example: ExampleApp | Awaited<ReturnType<typeof createPassportExampleApp>>
    probe: RedisProbe
    prefix: string
    db: TestDatabase
    close(): Promise<void>
  }> {
    const db = await freshDatabase(label)
    const prefix = uniquePrefix(label)
    const target = options.url ?? url
    const build = options.passport ? createPassportExampleApp : createExampleApp
    const example = await build({
      databaseUrl: db.url,
      sessionStore: 'redis',
      redis: { url: target, prefix },
      sessionSecret: 'example test secret',
      express,
    })
    const server = await listen(example.app)
    const probe = await redisProbe(target, prefix)
    return {
      url: server.url,
      example,
      probe,
      prefix,
      db,
      async close() {
        await server.close()
        await example.close()
        await probe.drop()
        await probe.close()
        await db.drop()
      },
    }
  }

  it('keeps the sessions and the records in Redis under the prefix, the users in SQL', async () => {
    const app = await start('example_redis_keys')
    try {
      assert.equal(app.example.sessionStore.kind, 'redis')
      assert.match(app.example.sessionStore.notice ?? '', /in Redis at redis:\/\//)
      const first = new Browser(app.url)
      const second = new Browser(app.url)
      assert.equal((await first.post('/login', alice)).status, 200)
      assert.equal((await second.post('/login', alice)).status, 200)
      assert.deepEqual((await first.get('/me')).body, {
        error: 'Not signed in',
        reason: 'signed-in-elsewhere',
      })
      assert.equal((await second.get('/me')).status, 200)

      // The one live session, with an expiry, and the library's record of it, which expires too.
      const sid = sidOf(second.cookie)!
      assert.deepEqual(await app.probe.sessionSids(), [sid])
      const { client } = app.probe
      const stored = JSON.parse((await client.get(`${app.prefix}:sess:${sid}`))!) as {
        user: { email: string }
      }
      assert.equal(stored.user.email, alice.email)
      assert.ok((await client.ttl(`${app.prefix}:sess:${sid}`)) > 0)
      const keys = await app.probe.keys()
      const tag = `{${app.prefix}}:`
      assert.ok(keys.includes(`${tag}sid:${sid}`), keys.join(' '))
      const record = keys.find((key) => key.startsWith(`${tag}rec:`))
      assert.ok(record, keys.join(' '))
      assert.ok((await client.pTTL(record)) > 0, 'the record expires')

      // The library made no table in the SQL database; the users are there.
      const tables = await tableNames(app.db.sequelize.getQueryInterface())
      assert.ok(tables.includes('users'), tables.join(' '))
      for (const table of ['user_sessions', 'session_endings', 'session_audit', 'Sessions']) {
        assert.ok(!tables.includes(table), `no ${table} table`)
      }

      // Logout everywhere deletes the session and the library's keys of it.
      assert.equal((await second.post('/logout')).status, 200)
      assert.equal((await second.get('/me')).status, 401)
      assert.deepEqual(await app.probe.sessionSids(), [])
      assert.ok(!(await app.probe.keys()).includes(`${tag}sid:${sid}`))
    } finally {
      await app.close()
    }
  })

  it('honours a database number in REDIS_URL', async () => {
    const other = redisDatabaseUrl(url, 3)
    const app = await start('example_redis_db', { url: other })
    const onDefault = await redisProbe(url, app.prefix)
    try {
      const b = new Browser(app.url)
      assert.equal((await b.post('/login', alice)).status, 200)
      assert.deepEqual(await app.probe.sessionSids(), [sidOf(b.cookie)])
      assert.deepEqual(await onDefault.keys(), [], 'nothing in the URL-less database')
    } finally {
      await onDefault.close()
      await app.close()
    }
  })

  it('the Passport example: a second login signs the first browser out', async () => {
    const app = await start('example_redis_passport', { passport: true })
    try {
      const login = 'email=alice%40example.com&password=password'
      const form = { 'content-type': 'application/x-www-form-urlencoded' }
      const first = new Browser(app.url)
      const second = new Browser(app.url)
      assert.equal((await first.request('POST', '/login', login, form)).status, 302)
      assert.equal((await first.get('/me')).status, 200)
      assert.equal((await second.request('POST', '/login', login, form)).status, 302)
      assert.equal((await second.get('/me')).status, 200)
      assert.equal((await first.get('/me')).status, 401)
      assert.deepEqual(await app.probe.sessionSids(), [sidOf(second.cookie)])
    } finally {
      await app.close()
    }
  })

  it('closes its Redis connection on close()', async () => {
    const app = await start('example_redis_close')
    const name = `example-app:${app.prefix}`
    const connected = async (probe: RedisProbe) =>
      (await probe.client.clientList()).some((client) => client.name === name)
    assert.ok(await connected(app.probe), 'connected while it runs')
    await app.close()
    const probe = await redisProbe(url, app.prefix)
    try {
      assert.ok(!(await connected(probe)), 'no connection left')
    } finally {
      await probe.close()
    }
  })

  describe('Redis goes away while the app runs', () => {
    let outage: RedisOutage
    let app: Awaited<ReturnType<typeof start>>

    before(async () => {
      outage = await redisOutage(url)
      app = await start('example_redis_outage', { url: outage.url })
    })
    after(async () => {
      await outage?.end()
      await app?.close()
      await outage?.close()
    })

    it('a login during the outage: 503, no cookie, the old session intact; works again after', async () => {
      const laptop = new Browser(app.url)
      assert.equal((await laptop.post('/login', alice)).status, 200)
      const laptopCookie = laptop.cookie

      await outage.begin()
      const phone = new Browser(app.url)
      const failed = await phone.post('/login', alice)
      assert.equal(failed.status, 503)
      assert.match(String(failed.body.error), /temporarily unavailable/)
      assert.equal(failed.headers.getSetCookie().length, 0, 'no half-logged-in cookie')
      assert.equal(phone.cookie, undefined)
      const read = await laptop.get('/me')
      assert.equal(read.status, 503, 'a signed-in request fails too, rather than guessing')
      assert.equal(read.headers.getSetCookie().length, 0)
      await outage.end()

      assert.equal(laptop.cookie, laptopCookie)
      assert.equal(
        (await onceReconnected(() => laptop.get('/me'))).status,
        200,
        'never zero sessions',
      )
      assert.equal((await phone.get('/me')).status, 401, 'never two')
      assert.equal((await phone.post('/login', alice)).status, 200)
      assert.equal((await laptop.get('/me')).status, 401)
      assert.equal((await phone.get('/me')).status, 200)
      assert.deepEqual(await app.probe.sessionSids(), [sidOf(phone.cookie)])
    })

    it('a logout during the outage: 503, nothing done; the logout works afterwards', async () => {
      const b = new Browser(app.url)
      assert.equal(
        (await b.post('/login', { email: 'bob@example.com', password: 'password' })).status,
        200,
      )
      await outage.begin()
      assert.equal((await b.post('/logout')).status, 503)
      await outage.end()
      assert.equal(
        (await onceReconnected(() => b.get('/me'))).status,
        200,
        'the failed logout did nothing',
      )
      assert.equal((await b.post('/logout')).status, 200)
      assert.equal((await b.get('/me')).status, 401)
    })
  })
})

/**
 * The first answer to `request` that is not a 503: after an outage the app's Redis client
 * reconnects on its own schedule (a backoff of up to 2 s), and until then every request that
 * needs Redis answers 503. Gives up after 10 s.
 */
async function onceReconnected<T extends { status: number }>(
  request: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const response = await request()
    if (response.status !== 503 || Date.now() > deadline) return response
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address ? address.port : 1
}
