import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DataTypes } from 'sequelize'
import { tableNames } from '../src/migrations/context.js'
import { bundle } from './support/bundle.js'
import { dialect, freshDatabase, type TestDatabase } from './support/database.js'
import { createExampleApp, type ExampleApp } from '../example-app/app.js'
import { express } from './support/express.js'
import { Browser, listen, sidOf } from './support/http.js'
import { needsTestRedis, redisProbe, type RedisProbe } from './support/redis-example.js'
import {
  redisUrl,
  registryInRedis,
  storeIsShared,
  storeKind,
  uniquePrefix,
} from './support/stores.js'
import { startTestApp, type TestApp } from './support/test-app.js'

/** The CLI opens the store the test apps use: the example app's SESSION_STORE. */
function storeEnv(): { SESSION_STORE?: string } {
  return storeKind() === 'pg-simple' ? { SESSION_STORE: 'pg-simple' } : {}
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the real command line in its own process: the TypeScript source compiled once into plain
 * modules (test/support/bundle.ts; the published package runs the same code from
 * build/cli/index.js).
 */
async function cli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  // REDIS_URL alone selects Redis: only a test that means it sets it.
  if (!('REDIS_URL' in env)) delete childEnv.REDIS_URL
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key]
  const child = spawn(process.execPath, [await bundle('src/cli/index.ts'), ...args], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`cli ${args.join(' ')} did not exit:\n${stdout}\n${stderr}`))
    }, 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'

/** A database with the library's tables, a `users` table and signed-in sessions. */
interface Fixture {
  db: TestDatabase
  app: TestApp
  env: { DATABASE_URL: string; SESSION_STORE?: string }
  alice: [Browser, Browser]
  bob: Browser
  close(): Promise<void>
}

async function fixture(label: string): Promise<Fixture> {
  const db = await freshDatabase(label)
  const app = await startTestApp(db, { sync: 'migrate', limit: 3 })
  await db.sequelize.getQueryInterface().createTable('users', {
    id: { type: DataTypes.INTEGER, primaryKey: true },
    email: { type: DataTypes.STRING(191), allowNull: false },
  })
  await db.sequelize.getQueryInterface().bulkInsert('users', [
    { id: 1, email: 'alice@example.com' },
    { id: 2, email: 'bob@example.com' },
    { id: 3, email: 'carol@example.com' },
  ])
  const laptop = app.browser()
  const desktop = new (laptop.constructor as typeof Browser)(app.url, CHROME_WINDOWS)
  const bob = app.browser()
  await laptop.post('/login', { id: 1 })
  await desktop.post('/login', { id: 1 })
  await bob.post('/login', { id: 2 })
  return {
    db,
    app,
    env: { DATABASE_URL: db.url, ...storeEnv() },
    alice: [laptop, desktop],
    bob,
    async close() {
      await app.close()
      await db.drop()
    },
  }
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address ? address.port : 1
}

describe(
  'command line',
  {
    skip:
      (!storeIsShared() &&
        'an in-memory store lives in the app process: the command line cannot reach its sessions') ||
      (registryInRedis() &&
        'on connect-redis the command line is tested by "command line on Redis" below'),
  },
  () => {
    describe('sessions, usage and errors (one populated database)', () => {
      let f: Fixture
      before(async () => {
        f = await fixture('cli-read')
      })
      after(async () => {
        await f.close()
      })

      it('lists a user’s sessions as a table, by email or by id', async () => {
        const byEmail = await cli(['sessions', '--user', 'alice@example.com'], f.env)
        assert.equal(byEmail.code, 0, byEmail.stderr)
        const lines = byEmail.stdout.trim().split('\n')
        assert.equal(lines[0], 'alice@example.com (user 1): 2 sessions')
        assert.match(lines[2] ?? '', /^\s*ID\s+DEVICE\s+IP\s+CREATED \(UTC\)\s+LAST ACTIVE \(UTC\)/)
        assert.match(
          lines[3] ?? '',
          /Chrome on Windows\s+\S*127\.0\.0\.1\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/,
        )
        assert.match(lines[4] ?? '', /Firefox on Linux/)
        assert.equal(lines.length, 5)
        // Columns line up: every row starts its DEVICE column where the header does.
        const deviceColumn = lines[2]!.indexOf('DEVICE')
        assert.equal(lines[3]!.indexOf('Chrome'), deviceColumn)
        assert.equal(lines[4]!.indexOf('Firefox'), deviceColumn)
        assert.ok(!byEmail.stdout.includes(sidOf(f.alice[0].cookie)!), 'no secret sid in the table')

        const byId = await cli(['sessions', '--user', '1'], f.env)
        assert.equal(byId.code, 0)
        assert.equal(byId.stdout, byEmail.stdout)
        const otherCase = await cli(['sessions', '-u', 'ALICE@Example.com'], f.env)
        assert.equal(otherCase.stdout, byEmail.stdout)
      })

      it('prints JSON with --json', async () => {
        const run = await cli(['sessions', '--user', 'alice@example.com', '--json'], f.env)
        assert.equal(run.code, 0, run.stderr)
        const body = JSON.parse(run.stdout) as {
          user: { userId: string; email: string }
          sessions: Array<Record<string, unknown>>
        }
        assert.deepEqual(body.user, { userId: '1', email: 'alice@example.com' })
        assert.deepEqual(
          body.sessions.map((s) => s.sid),
          [sidOf(f.alice[1].cookie), sidOf(f.alice[0].cookie)],
        )
        assert.equal(body.sessions[0]?.device, 'Chrome on Windows')
        assert.match(String(body.sessions[0]?.ip), /127\.0\.0\.1/)
        assert.ok(!Number.isNaN(Date.parse(String(body.sessions[0]?.lastSeenAt))))
      })

      it('says so when the user has no sessions', async () => {
        const run = await cli(['sessions', '--user', 'carol@example.com'], f.env)
        assert.equal(run.code, 0)
        assert.equal(run.stdout.trim(), 'carol@example.com (user 3) has no sessions.')
      })

      it('exits 3 for an unknown user, by email or by id', async () => {
        for (const user of ['nobody@example.com', '999', 'not-an-id']) {
          const run = await cli(['sessions', '--user', user], f.env)
          assert.equal(run.code, 3, `${user}: ${run.stderr}`)
          assert.match(run.stderr, /Unknown user/)
          assert.equal(run.stdout, '')
        }
      })

      it('exits 3 before ending anything when one of several users is unknown', async () => {
        const run = await cli(
          ['logout', '--user', 'alice@example.com', 'nobody@example.com'],
          f.env,
        )
        assert.equal(run.code, 3)
        assert.match(run.stderr, /nobody@example\.com/)
        assert.equal((await f.alice[0].get('/me')).body.userId, 1, 'alice is still signed in')
      })

      it('exits 2 for bad arguments, with a message', async () => {
        const cases: string[][] = [
          [],
          ['bogus'],
          ['sessions'],
          ['sessions', '--user'],
          ['sessions', '--user', '1', '--colour'],
          ['stats', '--top', '0'],
          ['stats', '--top', 'many'],
          ['logout'],
        ]
        for (const args of cases) {
          const run = await cli(args, f.env)
          assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`)
          assert.ok(run.stderr.trim().length > 0, `${args.join(' ')} says why`)
        }
      })

      it('opens the store named by --store or SESSION_STORE, and refuses one it cannot', async () => {
        const memory = await cli(['stats', '--store', 'memory'], f.env)
        assert.equal(memory.code, 2)
        assert.match(
          memory.stderr,
          /--store must be one of sequelize, pg-simple.*in the app process/,
        )
        const sqlite = await cli(['stats', '--store', 'pg-simple', '--database', 'sqlite::memory:'])
        assert.equal(sqlite.code, 2)
        assert.match(sqlite.stderr, /--store pg-simple needs a PostgreSQL database/)
      })

      it('starts every line of a usage error with its name', async () => {
        const cases: string[][] = [
          ['bogus'],
          ['sessions'],
          ['sessions', '--user'],
          ['sessions', '--user', '1', '--colour'],
          ['stats', '--top', '0'],
          ['logout'],
        ]
        for (const args of cases) {
          const run = await cli(args, f.env)
          assert.equal(run.code, 2, args.join(' '))
          for (const line of run.stderr.split('\n').filter((l) => l.trim() !== '')) {
            assert.match(line, /^adminjs-single-session: /, `${args.join(' ')}: ${line}`)
          }
        }
      })

      it('without arguments, says so and prints the usage, exit 2', async () => {
        const run = await cli([], f.env)
        assert.equal(run.code, 2)
        assert.match(
          run.stderr,
          /^adminjs-single-session: no command given\nUsage: adminjs-single-session /,
        )
        assert.match(run.stderr, /Commands:\n\s+sessions/)
      })

      it('exits 2 without a usable database setting', async () => {
        const none = await cli(['stats'], { DATABASE_URL: undefined })
        assert.equal(none.code, 2)
        assert.match(none.stderr, /DATABASE_URL/)
        const scheme = await cli(['stats'], { DATABASE_URL: 'oracle://db/app' })
        assert.equal(scheme.code, 2)
        assert.match(scheme.stderr, /sqlite:, postgres:\/\/ or mariadb:\/\//)
        const table = await cli(['stats', '--table', 'user sessions; DROP'], f.env)
        assert.equal(table.code, 2)
      })

      it('exits 1 for an unreachable database, naming it without the password', async () => {
        const port = await closedPort()
        for (const url of [
          `postgres://app:secret@127.0.0.1:${port}/app`,
          `mariadb://app:secret@127.0.0.1:${port}/app`,
        ]) {
          const started = Date.now()
          const run = await cli(['stats'], { DATABASE_URL: url })
          assert.equal(run.code, 1, run.stderr)
          assert.match(run.stderr, /Cannot connect to the database/)
          assert.match(run.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`))
          assert.ok(!run.stderr.includes('secret'), 'the password is not printed')
          assert.ok(Date.now() - started < 30_000)
        }
        const missingFile = await cli(['stats'], { DATABASE_URL: 'sqlite:/nonexistent/app.sqlite' })
        assert.equal(missingFile.code, 1)
        assert.match(missingFile.stderr, /No SQLite database/)
      })

      it('has --help for every command, exit 0', async () => {
        for (const command of ['sessions', 'logout', 'prune', 'stats', 'migrate']) {
          const run = await cli([command, '--help'])
          assert.equal(run.code, 0, run.stderr)
          assert.match(run.stdout, new RegExp(`Usage: adminjs-single-session ${command}`))
          assert.match(run.stdout, /Exit codes:/)
          assert.match(run.stdout, /--database <url>/)
        }
        const top = await cli(['--help'])
        assert.equal(top.code, 0)
        for (const command of ['sessions', 'logout', 'prune', 'stats', 'migrate']) {
          assert.match(top.stdout, new RegExp(`^  ${command}`, 'm'))
        }
      })

      it('reads the database and the user table from a config file', async () => {
        await f.db.sequelize.getQueryInterface().createTable('accounts', {
          account_id: { type: DataTypes.STRING(40), primaryKey: true },
          login: { type: DataTypes.STRING(191) },
        })
        await f.db.sequelize
          .getQueryInterface()
          .bulkInsert('accounts', [{ account_id: '2', login: 'robert@example.com' }])
        const dir = mkdtempSync(join(tmpdir(), 'single-session-cli-'))
        try {
          const file = join(dir, 'config.json')
          writeFileSync(
            file,
            JSON.stringify({
              database: f.db.url,
              userTable: 'accounts',
              userIdColumn: 'account_id',
              userEmailColumn: 'login',
            }),
          )
          const run = await cli(['sessions', '--config', file, '--user', 'robert@example.com'], {
            DATABASE_URL: 'sqlite:/nonexistent/ignored.sqlite',
            ...storeEnv(),
          })
          assert.equal(run.code, 0, run.stderr)
          assert.match(run.stdout, /^robert@example\.com \(user 2\): 1 session/)

          writeFileSync(file, JSON.stringify({ database: f.db.url, usersTable: 'accounts' }))
          const bad = await cli(['stats', '--config', file])
          assert.equal(bad.code, 2)
          assert.match(bad.stderr, /Unknown key "usersTable"/)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      })
    })

    describe('logout', () => {
      it('signs users out everywhere and says what it did', async () => {
        const f = await fixture('cli-logout')
        try {
          const run = await cli(['logout', '--user', 'alice@example.com', '--user', '2'], f.env)
          assert.equal(run.code, 0, run.stderr)
          assert.equal(
            run.stdout,
            [
              'Signed out alice@example.com (user 1): 2 sessions ended.',
              'Signed out bob@example.com (user 2): 1 session ended.',
              'Ended 3 sessions of 2 users.',
              '',
            ].join('\n'),
          )
          for (const browser of [...f.alice, f.bob]) {
            assert.equal((await browser.get('/me')).body.userId, null)
          }
          assert.deepEqual(await f.app.records(), [])

          const again = await cli(['logout', '--user', '1', '--json'], f.env)
          assert.equal(again.code, 0)
          assert.deepEqual(JSON.parse(again.stdout), {
            sessions: 0,
            users: [{ userId: '1', email: 'alice@example.com', sessions: 0 }],
          })
        } finally {
          await f.close()
        }
      })
    })

    describe('prune and stats', () => {
      it('prune deletes expired sessions with a count; stats counts with GROUP BY', async () => {
        const f = await fixture('cli-prune-stats')
        try {
          const stats = await cli(['stats', '--json'], f.env)
          assert.equal(stats.code, 0, stats.stderr)
          const body = JSON.parse(stats.stdout) as Record<string, unknown>
          assert.equal(body.sessions, 3)
          assert.equal(body.users, 2)
          assert.equal(body.expired, 0)
          assert.equal(body.storeRows, 3)
          assert.deepEqual(
            (body.top as Array<Record<string, unknown>>).map((u) => [
              u.userId,
              u.email,
              u.sessions,
            ]),
            [
              ['1', 'alice@example.com', 2],
              ['2', 'bob@example.com', 1],
            ],
          )
          const topOne = JSON.parse(
            (await cli(['stats', '--json', '--top', '1'], f.env)).stdout,
          ) as {
            top: unknown[]
          }
          assert.equal(topOne.top.length, 1)

          const text = await cli(['stats'], f.env)
          assert.equal(text.code, 0)
          assert.match(text.stdout, /^Signed-in sessions\s+3$/m)
          assert.match(text.stdout, /^Users with sessions\s+2$/m)
          assert.match(text.stdout, /^1\s+alice@example\.com\s+2\s+\d{4}-/m)

          await f.app.expireSession(sidOf(f.bob.cookie)!)
          const pruned = await cli(['prune'], f.env)
          assert.equal(pruned.code, 0, pruned.stderr)
          assert.match(pruned.stdout, /^Deleted 1 expired session, /)
          assert.equal((await f.bob.get('/me')).body.userId, null)
          assert.equal((await f.alice[0].get('/me')).body.userId, 1, 'live sessions stay')

          const again = await cli(['prune', '--json'], f.env)
          assert.equal(again.code, 0)
          assert.equal((JSON.parse(again.stdout) as { sessions: number }).sessions, 0)
          const after = JSON.parse((await cli(['stats', '--json'], f.env)).stdout) as {
            storeRows: number
          }
          assert.equal(after.storeRows, 2)
        } finally {
          await f.close()
        }
      })
    })

    describe('migrate', () => {
      it('creates the tables on an empty database, then applies nothing', async () => {
        const db = await freshDatabase('cli-migrate')
        try {
          const env = { DATABASE_URL: db.url, ...storeEnv() }
          const missing = await cli(['stats'], env)
          assert.equal(missing.code, 1)
          assert.match(missing.stderr, /missing tables?.*migrate/)

          const first = await cli(['migrate'], env)
          assert.equal(first.code, 0, first.stderr)
          assert.match(first.stdout, /^Applied \d+ migrations?:\n {2}0001-create-user-sessions/)
          const tables = await tableNames(db.sequelize.getQueryInterface())
          const sessionTable = storeKind() === 'pg-simple' ? 'session' : 'Sessions'
          for (const table of ['user_sessions', sessionTable, 'single_session_migrations']) {
            assert.ok(tables.includes(table), `${table} exists`)
          }
          const second = await cli(['migrate'], env)
          assert.equal(second.code, 0)
          assert.equal(second.stdout.trim(), 'Nothing to apply: the database is up to date.')
          const json = await cli(['migrate', '--json'], env)
          assert.deepEqual(JSON.parse(json.stdout), { applied: [] })
          assert.equal((await cli(['stats'], env)).code, 0)
        } finally {
          await db.drop()
        }
      })
    })

    describe('a user table whose ids are not integers', () => {
      const ALICE = '0b6f3c9e-8d1a-4f2b-9c7e-5a4d3b2c1f00'
      let db: TestDatabase
      let env: { DATABASE_URL: string; SESSION_STORE?: string }
      before(async () => {
        db = await freshDatabase('cli-uuid')
        const app = await startTestApp(db, { sync: 'migrate' })
        const queryInterface = db.sequelize.getQueryInterface()
        await queryInterface.createTable('users', {
          id: { type: DataTypes.UUID, primaryKey: true },
          email: { type: DataTypes.STRING(191), allowNull: false },
        })
        await queryInterface.bulkInsert('users', [{ id: ALICE, email: 'alice@example.com' }])
        await queryInterface.createTable('birthdays', {
          day: { type: DataTypes.DATEONLY, primaryKey: true },
          email: { type: DataTypes.STRING(191), allowNull: false },
        })
        await app.browser().post('/login', { id: ALICE })
        await app.close()
        env = { DATABASE_URL: db.url, ...storeEnv() }
      })
      after(async () => {
        await db.drop()
      })

      it('finds a user by a UUID id', async () => {
        const run = await cli(['sessions', '--user', ALICE], env)
        assert.equal(run.code, 0, run.stderr)
        assert.match(run.stdout, /^alice@example\.com \(user [0-9a-f-]{36}\): 1 session/)
      })

      it('says "no such user", exit 3, for an id a UUID column cannot hold', async () => {
        for (const command of ['sessions', 'logout']) {
          const run = await cli([command, '--user', '12'], env)
          assert.equal(run.code, 3, run.stderr)
          assert.equal(
            run.stderr,
            'adminjs-single-session: Unknown user: no user with the id 12\n',
            command,
          )
        }
      })

      it('says "no such user", exit 3, for an id another column type cannot hold', async () => {
        const args = ['--user-table', 'birthdays', '--user-id-column', 'day']
        const run = await cli(['sessions', '--user', '12', ...args], env)
        assert.equal(run.code, 3, run.stderr)
        assert.equal(run.stderr, 'adminjs-single-session: Unknown user: no user with the id 12\n')
      })
    })

    it('is the package’s bin, with a shebang', () => {
      const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
        bin?: Record<string, string>
      }
      assert.equal(pkg.bin?.['adminjs-single-session'], './build/cli/index.js')
      assert.match(readFileSync('src/cli/index.ts', 'utf8'), /^#!\/usr\/bin\/env node\n/)
    })
  },
)

/**
 * The command line on Redis runs once per `npm test`: in the connect-redis target
 * (TEST_STORE=redis), or when this file runs on its own.
 */
const onceOnRedis = {
  skip:
    needsTestRedis.skip ||
    (process.env.TEST_STORE !== undefined &&
      process.env.TEST_STORE !== 'redis' &&
      'runs once, in the connect-redis target (TEST_STORE=redis)'),
}

/** Its error handling needs no Redis: once, in the SQLite target, or on its own. */
const onceWithoutRedis = {
  skip:
    process.env.TEST_STORE !== undefined &&
    !(process.env.TEST_STORE === 'sequelize' && dialect() === 'sqlite') &&
    'runs once, in the SQLite target',
}

describe('command line on Redis', onceOnRedis, () => {
  const url = redisUrl()
  let db: TestDatabase
  let example: ExampleApp
  let server: Awaited<ReturnType<typeof listen>>
  let probe: RedisProbe
  let prefix: string
  /** The CLI's settings for the example app's Redis: the URL, the two prefixes, its users. */
  let env: Record<string, string>
  let flags: string[]
  let alice: Browser[]
  let bob: Browser
  let ids: Record<'alice' | 'bob', string>

  const signIn = async (email: string, userAgent?: string) => {
    const browser = new Browser(server.url, userAgent)
    const response = await browser.post('/login', { email, password: 'password' })
    assert.equal(response.status, 200)
    return browser
  }

  before(async () => {
    db = await freshDatabase('cli_redis')
    prefix = uniquePrefix('cli')
    example = await createExampleApp({
      adminPanel: false,
      databaseUrl: db.url,
      sessionStore: 'redis',
      redis: { url, prefix },
      sessionSecret: 'cli redis secret',
      singleSession: { limit: 3 },
      express,
    })
    server = await listen(example.app)
    probe = await redisProbe(url, prefix)
    env = { DATABASE_URL: db.url }
    flags = ['--redis-url', url, '--redis-prefix', prefix, '--session-prefix', `${prefix}:sess:`]
    const id = async (email: string) =>
      String((await example.User.findOne({ where: { email } }))!.id)
    ids = { alice: await id('alice@example.com'), bob: await id('bob@example.com') }
  })
  after(async () => {
    await server?.close()
    await example?.close()
    await probe?.drop()
    await probe?.close()
    await db?.drop()
  })

  it('lists a user’s sessions from Redis, by email (users in SQL) or by id', async () => {
    alice = [await signIn('alice@example.com'), await signIn('alice@example.com', CHROME_WINDOWS)]
    const byEmail = await cli(['sessions', '--user', 'alice@example.com', ...flags], env)
    assert.equal(byEmail.code, 0, byEmail.stderr)
    const lines = byEmail.stdout.trim().split('\n')
    assert.equal(lines[0], `alice@example.com (user ${ids.alice}): 2 sessions`)
    assert.match(lines[3] ?? '', /Chrome on Windows\s+\S*127\.0\.0\.1\s+\d{4}-\d\d-\d\d /)
    assert.match(lines[4] ?? '', /Firefox on Linux/)

    const json = await cli(['sessions', '--user', ids.alice, '--json', ...flags], env)
    assert.equal(json.code, 0, json.stderr)
    const body = JSON.parse(json.stdout) as { sessions: Array<{ sid: string }> }
    assert.deepEqual(
      body.sessions.map((s) => s.sid).sort(),
      alice.map((b) => sidOf(b.cookie)!).sort(),
    )
  })

  it('selects Redis by --redis-url, by REDIS_URL, or by --store redis', async () => {
    const prefixes = ['--redis-prefix', prefix, '--session-prefix', `${prefix}:sess:`]
    for (const [args, extra] of [
      [['--redis-url', url], {}],
      [[], { REDIS_URL: url }],
      [['--store', 'redis'], { REDIS_URL: url }],
      [[], { SESSION_STORE: 'redis', REDIS_URL: url }],
    ] as const) {
      const run = await cli(['sessions', '--user', ids.alice, ...args, ...prefixes], {
        ...env,
        ...extra,
      })
      assert.equal(run.code, 0, `${args.join(' ')} ${JSON.stringify(extra)}: ${run.stderr}`)
      assert.match(run.stdout, /: 2 sessions/)
    }
    // SESSION_STORE names a SQL store: REDIS_URL is someone else's then (here, no tables).
    const sql = await cli(['sessions', '--user', ids.alice], {
      ...env,
      SESSION_STORE: 'sequelize',
      REDIS_URL: url,
    })
    assert.equal(sql.code, 1)
    assert.match(sql.stderr, /migrate/)
    // The command line contradicting itself is refused.
    const both = await cli(
      ['sessions', '--user', ids.alice, '--store', 'sequelize', '--redis-url', url],
      env,
    )
    assert.equal(both.code, 2)
    assert.match(
      both.stderr,
      /--redis-url is for --store redis; the store is sequelize \(from --store\)/,
    )
  })

  it('without a database, takes users by id and says what to pass for an email', async () => {
    const byId = await cli(['sessions', '--user', ids.alice, ...flags], { DATABASE_URL: undefined })
    assert.equal(byId.code, 0, byId.stderr)
    assert.equal(byId.stdout.split('\n')[0], `user ${ids.alice}: 2 sessions`)
    const byEmail = await cli(['sessions', '--user', 'alice@example.com', ...flags], {
      DATABASE_URL: undefined,
    })
    assert.equal(byEmail.code, 2)
    assert.match(
      byEmail.stderr,
      /Pass --database <url> \(or set DATABASE_URL\), or give the user's id/,
    )
    const unknown = await cli(['sessions', '--user', '999999', ...flags], {
      DATABASE_URL: undefined,
    })
    assert.equal(unknown.code, 3)
  })

  it('stats: sessions, users, keys in the store, and the users with the most sessions', async () => {
    bob = await signIn('bob@example.com')
    const stats = await cli(['stats', '--json', ...flags], env)
    assert.equal(stats.code, 0, stats.stderr)
    const body = JSON.parse(stats.stdout) as Record<string, unknown>
    assert.equal(body.sessions, 3)
    assert.equal(body.users, 2)
    assert.equal(body.expired, 0)
    assert.equal(body.storeRows, 3)
    assert.deepEqual(
      (body.top as Array<Record<string, unknown>>).map((u) => [u.userId, u.email, u.sessions]),
      [
        [ids.alice, 'alice@example.com', 2],
        [ids.bob, 'bob@example.com', 1],
      ],
    )
    const text = await cli(['stats', '--top', '1', ...flags], env)
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^Signed-in sessions\s+3$/m)
    assert.match(text.stdout, /^Keys in the session store\s+3$/m)
    assert.match(
      text.stdout,
      new RegExp(`^${ids.alice}\\s+alice@example\\.com\\s+2\\s+\\d{4}-`, 'm'),
    )
    assert.doesNotMatch(text.stdout, /bob@example\.com/)
  })

  it('prune runs on Redis and reports its counts', async () => {
    const run = await cli(['prune', '--json', ...flags], env)
    assert.equal(run.code, 0, run.stderr)
    const counts = JSON.parse(run.stdout) as Record<string, number>
    for (const key of ['sessions', 'unrecorded', 'records', 'endings', 'timedOut']) {
      assert.equal(typeof counts[key], 'number', key)
    }
    assert.equal((await alice[0]!.get('/me')).status, 200, 'live sessions stay')
    const text = await cli(['prune', ...flags], env)
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^Deleted \d+ expired sessions?, /)
  })

  it('logout ends the users’ sessions in Redis, and the audit trail says the CLI did it', async () => {
    const run = await cli(
      ['logout', '--user', 'alice@example.com', '--user', ids.bob, ...flags],
      env,
    )
    assert.equal(run.code, 0, run.stderr)
    assert.equal(
      run.stdout,
      [
        `Signed out alice@example.com (user ${ids.alice}): 2 sessions ended.`,
        `Signed out bob@example.com (user ${ids.bob}): 1 session ended.`,
        'Ended 3 sessions of 2 users.',
        '',
      ].join('\n'),
    )
    for (const browser of [...alice, bob]) {
      assert.deepEqual((await browser.get('/me')).body, {
        error: 'Not signed in',
        reason: 'logged-out-by-admin',
      })
    }
    assert.deepEqual(await probe.sessionSids(), [])
    const [line] = await example.singleSession.journal.auditPage({
      filter: { userId: ids.alice },
      sort: { by: 'id', direction: 'desc' },
      offset: 0,
      limit: 1,
    })
    assert.deepEqual(
      [line?.event, line?.sessions, line?.actor.label],
      ['logged-out-by-admin', 2, 'cli'],
    )
  })

  it('migrate: nothing to migrate on Redis, exit 0', async () => {
    const text = await cli(['migrate', ...flags], env)
    assert.equal(text.code, 0, text.stderr)
    assert.equal(text.stdout, 'Nothing to migrate: on Redis the library keeps no tables.\n')
    const json = await cli(['migrate', '--json', ...flags], env)
    assert.deepEqual(JSON.parse(json.stdout), { applied: [] })
  })
})

describe('command line on Redis: errors', onceWithoutRedis, () => {
  it('exits 1 for an unreachable Redis, naming it without the password', async () => {
    const port = await closedPort()
    const run = await cli(['stats', '--redis-url', `redis://default:secret@127.0.0.1:${port}/1`])
    assert.equal(run.code, 1, run.stderr)
    assert.match(
      run.stderr,
      new RegExp(
        `^adminjs-single-session: Cannot connect to Redis at redis://default:\\*\\*\\*@127\\.0\\.0\\.1:${port}/1: `,
      ),
    )
    assert.ok(!run.stderr.includes('secret'))
  })

  it('exits 2 for a Redis URL or a prefix it cannot use', async () => {
    const scheme = await cli(['stats', '--redis-url', 'http://127.0.0.1:6379'])
    assert.equal(scheme.code, 2)
    assert.match(scheme.stderr, /must start with redis:\/\/ or rediss:\/\//)
    const prefix = await cli(['stats', '--store', 'redis', '--redis-prefix', 'a b'])
    assert.equal(prefix.code, 2)
    assert.match(prefix.stderr, /redisPrefix must be/)
  })

  it('documents the Redis options in --help', async () => {
    const run = await cli(['sessions', '--help'])
    assert.equal(run.code, 0)
    for (const option of ['--redis-url <url>', '--redis-prefix <prefix>', '--session-prefix']) {
      assert.ok(run.stdout.includes(option), option)
    }
  })
})
