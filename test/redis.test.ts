import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { RedisStore } from 'connect-redis'
import RedisStore7 from 'connect-redis7'
import type { SessionData } from 'express-session'
import { createClient, type RedisClientType } from 'redis'
import { createSingleSession, ErrorCodes, type StoreDriver } from '../src/index.js'
import { asNumber, redisCommands, type RedisCommands } from '../src/redis/client.js'
import { driverFor } from '../src/store/drivers/detect.js'
import { freshDatabase, type TestDatabase } from './support/database.js'
import { sidOf } from './support/http.js'
import {
  createRedisTestStore,
  deleteRedisKeys,
  redisUrl,
  storeKind,
  uniquePrefix,
  type RedisStoreVariant,
} from './support/stores.js'
import { startTcpProxy } from './support/tcp-proxy.js'
import { startTestApp, type TestApp } from './support/test-app.js'

/**
 * connect-redis and the Redis backend beyond the store contract (which runs on connect-redis 9
 * with the records in Redis): the other majors and clients, the store's own settings, the
 * options that go wrong, a connection lost mid-login, and the driver's commands one by one.
 */
const skip =
  storeKind() !== 'redis' &&
  'runs in the "connect-redis (registry in Redis)" target (TEST_STORE=redis)'

/** An app on connect-redis (`variant`), on a fresh test database whose Redis keys go with it. */
async function withRedisApp(
  label: string,
  variant: RedisStoreVariant,
  options: Parameters<typeof startTestApp>[1],
  body: (app: TestApp, db: TestDatabase) => Promise<void>,
): Promise<void> {
  const db = await freshDatabase(label)
  try {
    const testStore = createRedisTestStore(db, variant)
    const app = await startTestApp(db, { ...options, testStore })
    try {
      await body(app, db)
    } finally {
      await app.close()
    }
  } finally {
    await db.drop()
  }
}

/** The remaining life of a key in seconds (-2: no key, -1: no expiry). */
async function ttlOf(commands: RedisCommands, key: string): Promise<number> {
  return asNumber(await commands.send(['TTL', key]))
}

describe('connect-redis', { skip }, () => {
  describe('connect-redis 7 on an ioredis client, the client given as `redis`', () => {
    const variant: RedisStoreVariant = { connectRedis: 7, client: 'ioredis' }

    it('a login on a second browser signs the first out and deletes its key', () =>
      withRedisApp('redis7_evict', variant, {}, async (app) => {
        assert.equal(app.singleSession.options.storeDriver.name, 'connect-redis')
        assert.equal(app.singleSession.options.backend.kind, 'redis')
        const [laptop, phone] = [app.browser(), app.browser()]
        await laptop.post('/login', { id: 1 })
        const laptopSid = sidOf(laptop.cookie)!
        assert.deepEqual(await app.storedSids(), [laptopSid])
        await phone.post('/login', { id: 1 })
        assert.equal((await laptop.get('/me')).body.userId, null)
        assert.equal((await phone.get('/me')).body.userId, 1)
        assert.deepEqual(await app.storedSids(), [sidOf(phone.cookie)])
        assert.deepEqual(await app.records(), [{ sid: sidOf(phone.cookie), userId: '1' }])
      }))

    for (const resave of [false, true]) {
      it(`a late save of an ended session is not written back (resave: ${resave})`, () =>
        withRedisApp(`redis7_late_${resave}`, variant, { resave }, async (app) => {
          const victim = app.browser()
          await victim.post('/login', { id: 1 })
          const sid = sidOf(victim.cookie)!
          const inFlight = victim.request('POST', '/write?gate=w', { theme: 'written-late' })
          await app.gates.arrived('w')
          await app.browser().post('/login', { id: 1 })
          assert.ok(!(await app.storedSids()).includes(sid), 'ended while the request waits')
          app.gates.release('w')
          assert.equal((await inFlight).status, 200)
          assert.ok(!(await app.storedSids()).includes(sid), 'the late save did not re-create it')
          const me = await victim.get('/me')
          assert.deepEqual([me.body.userId, me.body.theme], [null, null])
        }))
    }
  })

  it('connect-redis 7 without `redis`: INVALID_OPTION, saying to pass the client as `redis`', async () => {
    const db = await freshDatabase('redis7_no_client')
    try {
      const testStore = createRedisTestStore(db, {
        connectRedis: 7,
        client: 'ioredis',
        library: 'none',
      })
      try {
        assert.throws(
          () => createSingleSession({ store: testStore.store }),
          (error: { code?: string; message?: string }) =>
            error.code === ErrorCodes.INVALID_OPTION && /`redis`/.test(error.message ?? ''),
        )
      } finally {
        await testStore.close()
      }
    } finally {
      await db.drop()
    }
  })

  it('`redis` and `sequelize` together: INVALID_OPTION', async () => {
    const db = await freshDatabase('redis_and_sql')
    try {
      const testStore = createRedisTestStore(db)
      try {
        assert.throws(
          () =>
            createSingleSession({
              store: testStore.store,
              sequelize: db.sequelize,
              redis: testStore.client,
            }),
          (error: { code?: string; message?: string }) =>
            error.code === ErrorCodes.INVALID_OPTION &&
            /`redis` or `sequelize`/.test(error.message ?? ''),
        )
      } finally {
        await testStore.close()
      }
    } finally {
      await db.drop()
    }
  })

  it('connect-redis 9 with its own prefix and ttl: keys and time to live as the store sets them', async () => {
    const prefix = `${uniquePrefix('own')}:s:`
    try {
      await withRedisApp(
        'redis9_prefix_ttl',
        { storeOptions: { prefix, ttl: 1234 } },
        {},
        async (app) => {
          const { commands } = app.testStore as ReturnType<typeof createRedisTestStore>
          const [laptop, phone] = [app.browser(), app.browser()]
          await laptop.post('/login', { id: 1 })
          const key = prefix + sidOf(laptop.cookie)!
          assert.ok((await ttlOf(commands, key)) > 1200, 'written by the store with its ttl')
          await commands.send(['EXPIRE', key, 100])
          await laptop.post('/write', { theme: 'light' })
          const ttl = await ttlOf(commands, key)
          assert.ok(ttl > 1200 && ttl <= 1234, `a save writes the store's ttl again (${ttl})`)
          assert.equal((await laptop.get('/me')).body.theme, 'light')
          await phone.post('/login', { id: 1 })
          assert.equal(await ttlOf(commands, key), -2, 'the evicted session is deleted')
          assert.equal((await laptop.get('/me')).body.userId, null)
          assert.equal((await phone.get('/me')).body.userId, 1)
        },
      )
    } finally {
      await deleteRedisKeys([`${prefix}*`])
    }
  })

  it('connect-redis 9 with the records in SQL (`sequelize`): sessions in Redis, records in the database', () =>
    withRedisApp('redis9_sql_records', { library: 'sequelize' }, {}, async (app) => {
      assert.equal(app.singleSession.options.backend.kind, 'sql')
      const [laptop, phone] = [app.browser(), app.browser()]
      await laptop.post('/login', { id: 1 })
      await phone.post('/login', { id: 1 })
      assert.equal((await laptop.get('/me')).body.userId, null)
      assert.deepEqual(await app.storedSids(), [sidOf(phone.cookie)])
      assert.deepEqual(await app.records(), [{ sid: sidOf(phone.cookie), userId: '1' }])
      assert.equal((await app.singleSession.logoutUsers([1])).sessions, 1)
      assert.deepEqual(await app.storedSids(), [])
    }))

  describe('the connection to Redis lost in the middle of a login', () => {
    let proxy: Awaited<ReturnType<typeof startTcpProxy>>
    before(async () => {
      const server = new URL(redisUrl())
      proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 6379) })
    })
    after(() => proxy.close())

    /** TEST_REDIS_URL, through the proxy. */
    const proxied = () => {
      const url = new URL(redisUrl())
      url.hostname = '127.0.0.1'
      url.port = String(proxy.port)
      return url.toString()
    }

    /**
     * The steps of a login that write to Redis, each made to cut the connection as it runs:
     * the store's write of the new session, the registry's record of it (with the overflow), and
     * the end of the session it replaces (the END script: reasons, records, audit line).
     */
    const steps: Record<string, (app: TestApp, cut: () => void) => void> = {
      'writes the new session': (app, cut) => {
        const driver = app.singleSession.options.storeDriver
        const insert = driver.insert.bind(driver)
        driver.insert = (sid, data) => {
          driver.insert = insert
          cut()
          return insert(sid, data)
        }
      },
      'records it': (app, cut) => {
        const { registry } = app.singleSession
        const addKeepingNewest = registry.addKeepingNewest.bind(registry)
        registry.addKeepingNewest = (record, keep) => {
          registry.addKeepingNewest = addKeepingNewest
          cut()
          return addKeepingNewest(record, keep)
        }
      },
      'ends the session it replaces': (app, cut) => {
        // The Redis journal's END script, which the end writer runs (not part of the port).
        const journal = app.singleSession.journal as unknown as {
          end(...args: unknown[]): Promise<unknown>
        }
        const end = journal.end.bind(journal)
        journal.end = (...args) => {
          journal.end = end
          cut()
          return end(...args)
        }
      },
    }

    for (const [step, hook] of Object.entries(steps)) {
      for (const point of ['request', 'reply'] as const) {
        const lost = point === 'request' ? 'before Redis sees the command' : 'before its reply'
        it(`as the login ${step}, ${lost}: the login fails cleanly, the next one works`, () =>
          withRedisApp('redis_cut_login', { url: proxied() }, {}, async (app) => {
            const laptop = app.browser()
            await laptop.post('/login', { id: 1 })
            const laptopSid = sidOf(laptop.cookie)!
            const phone = app.browser()
            await phone.post('/write', { theme: 'anonymous' })
            const anonymousSid = sidOf(phone.cookie)!

            const cuts = proxy.cuts
            hook(app, () => void proxy.cutNext(point))
            const failed = await phone.post('/login', { id: 1 })
            assert.equal(proxy.cuts, cuts + 1, 'the connection was cut')
            assert.equal(failed.status, 500)
            assert.deepEqual(failed.headers.getSetCookie(), [], 'no cookie')
            assert.equal(sidOf(phone.cookie), anonymousSid)
            assert.equal((await phone.get('/me')).body.userId, null, 'not half logged in')

            // Nothing of the failed login is left, and no record outlives its session.
            const stored = await app.storedSids()
            const records = await app.records()
            assert.ok(
              stored.every((sid) => sid === laptopSid),
              `stored: ${stored.join()}`,
            )
            assert.ok(
              records.every((record) => stored.includes(record.sid)),
              'every record has its session',
            )
            const laptopLive = records.some((record) => record.sid === laptopSid)
            assert.equal((await laptop.get('/me')).body.userId, laptopLive ? 1 : null)
            if (point === 'request' || step !== 'ends the session it replaces') {
              assert.ok(laptopLive, 'the old session is untouched until its end is written')
            }

            // Same app, same client: it reconnected.
            assert.equal((await phone.post('/login', { id: 1 })).status, 200)
            assert.equal((await phone.get('/me')).body.userId, 1)
            assert.equal((await laptop.get('/me')).body.userId, null)
            assert.deepEqual(await app.records(), [{ sid: sidOf(phone.cookie), userId: '1' }])
          }))
      }
    }
  })
})

describe('the connect-redis driver', { skip }, () => {
  let client: RedisClientType
  let commands: RedisCommands
  const prefixes: string[] = []

  before(async () => {
    client = createClient({ url: redisUrl() })
    client.on('error', () => {})
    await client.connect()
    commands = redisCommands(client, 'test')
  })
  after(async () => {
    await deleteRedisKeys(prefixes.map((prefix) => `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`))
    await client.close()
  })

  /** A connect-redis 9 store under a prefix of its own, and its driver. */
  function driverOf(options: Record<string, unknown> = {}, prefix = `${uniquePrefix('drv')}:`) {
    prefixes.push(prefix)
    const store = new RedisStore({ client, prefix, ...options })
    return { driver: driverFor(store), prefix }
  }

  const session = (data: Record<string, unknown> = {}, expiresIn = 60_000) =>
    ({
      cookie: { expires: new Date(Date.now() + expiresIn).toISOString() },
      ...data,
    }) as unknown as SessionData

  it('update() writes only an existing session, with the time to live the store computes', async () => {
    const { driver, prefix } = driverOf()
    assert.equal(await driver.update('gone', session()), false)
    assert.equal(await ttlOf(commands, `${prefix}gone`), -2, 'never creates')
    await driver.insert('s1', session({ n: 1 }))
    assert.equal(await driver.update('s1', session({ n: 2 }, 90_000)), true)
    assert.equal(((await driver.read('s1')) as { n?: number } | null)?.n, 2)
    const ttl = await ttlOf(commands, `${prefix}s1`)
    assert.ok(ttl > 85 && ttl <= 90, `the cookie's expiry (${ttl})`)
    // A cookie already expired: the store deletes the session instead of writing it.
    assert.equal(await driver.update('s1', session({}, -1000)), false)
    assert.equal(await driver.read('s1'), null)
  })

  it('update() with a ttl function and with disableTTL, as connect-redis writes them', async () => {
    const timed = driverOf({ ttl: () => 777 })
    await timed.driver.insert('t', session())
    await commands.send(['EXPIRE', `${timed.prefix}t`, 5])
    assert.equal(await timed.driver.update('t', session()), true)
    assert.ok((await ttlOf(commands, `${timed.prefix}t`)) > 770)
    const expiry = timed.driver.expiryOf(session()).getTime() - Date.now()
    assert.ok(Math.abs(expiry - 777_000) < 5000, 'expiryOf() follows the function')

    const forever = driverOf({ disableTTL: true })
    await forever.driver.insert('f', session())
    assert.equal(await ttlOf(commands, `${forever.prefix}f`), -1)
    assert.equal(await forever.driver.update('f', session({ x: 1 })), true)
    assert.equal(await ttlOf(commands, `${forever.prefix}f`), -1, 'still no expiry')
    assert.equal(await forever.driver.update('none', session()), false)
    assert.equal(await ttlOf(commands, `${forever.prefix}none`), -2)
  })

  it('read() parses with the store serializer (async too); unreadable data is no session', async () => {
    const serializer = {
      stringify: (value: unknown) => `v1:${JSON.stringify(value)}`,
      parse: (text: string) =>
        new Promise((resolve, reject) => {
          if (!text.startsWith('v1:')) reject(new Error('unknown format'))
          else setImmediate(() => resolve(JSON.parse(text.slice(3)) as unknown))
        }),
    }
    const { driver, prefix } = driverOf({ serializer })
    await driver.insert('a', session({ theme: 'dark' }))
    assert.match(String(await commands.send(['GET', `${prefix}a`])), /^v1:/)
    assert.equal(((await driver.read('a')) as { theme?: string } | null)?.theme, 'dark')
    assert.equal(await driver.update('a', session({ theme: 'light' })), true)
    assert.match(String(await commands.send(['GET', `${prefix}a`])), /^v1:.*light/)
    await commands.send(['SET', `${prefix}b`, 'garbage'])
    await commands.send(['SET', `${prefix}c`, 'v1:42'])
    assert.equal(await driver.read('b'), null)
    assert.equal(await driver.read('c'), null, 'not an object')
    assert.equal(await driver.read('missing'), null)
  })

  it('destroyMany() deletes more than a batch and counts what existed; alive() sees what exists', async () => {
    const { driver, prefix } = driverOf()
    const sids = Array.from({ length: 2500 }, (_, i) => `k${i}`)
    await Promise.all(sids.map((sid) => commands.send(['SET', prefix + sid, '{}', 'EX', 600])))
    const alive = await driver.alive([...sids.slice(0, 3), 'nope'])
    assert.deepEqual([...alive].sort(), ['k0', 'k1', 'k2'])
    assert.equal(await driver.destroyMany([...sids, 'nope-1', 'nope-2']), 2500)
    assert.equal(asNumber(await commands.send(['EXISTS', `${prefix}k0`, `${prefix}k2499`])), 0)
    assert.equal((await driver.alive(sids)).size, 0)
    assert.equal(await driver.destroyMany([]), 0)
  })

  it('marked() pages through the signed-in sessions in sid order, past other keys and glob characters', async () => {
    // A prefix with glob characters: SCAN must match it literally, not as a pattern.
    const { driver, prefix } = driverOf({}, `${uniquePrefix('glob')}:[a]*?:`)
    // A key the unescaped pattern would match, under another prefix.
    const near = prefix.replace('[a]*?', 'aZZ')
    prefixes.push(near)
    await commands.send(['SET', `${near}intruder`, JSON.stringify({ m: { uid: '1' } })])
    const marked = Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')}`)
    for (const sid of marked) await driver.insert(sid, session({ m: { uid: '1' } }))
    for (let i = 0; i < 30; i++) await driver.insert(`a${i}`, session())
    await commands.send(['SET', `${prefix}broken`, 'not json'])
    await commands.send(['SET', `${prefix}scalar`, JSON.stringify({ m: 'text' })])

    const pages: string[][] = []
    let after = ''
    for (;;) {
      const page = await driver.marked('m', after, 10)
      pages.push(page.map((entry) => entry.sid))
      if (page.length < 10) break
      after = page.at(-1)!.sid
    }
    assert.deepEqual(pages.flat(), marked)
    assert.deepEqual(
      pages.map((page) => page.length),
      [10, 10, 5],
    )
    assert.deepEqual(
      (await driver.marked('m', 'm20', 100)).map((entry) => entry.sid),
      ['m21', 'm22', 'm23', 'm24'],
    )
  })

  it('a server that refuses INFO: one DEL per key, and INFO asked once', async () => {
    const user = uniquePrefix('noinfo')
    const password = randomBytes(12).toString('hex')
    await commands.send([
      'ACL',
      'SETUSER',
      user,
      'on',
      `>${password}`,
      '~*',
      '&*',
      '+@all',
      '-info',
    ])
    const url = new URL(redisUrl())
    url.username = user
    url.password = password
    const limited: RedisClientType = createClient({ url: url.toString() })
    limited.on('error', () => {})
    try {
      await limited.connect()
      const prefix = `${uniquePrefix('noinfo')}:`
      prefixes.push(prefix)
      const sent: string[] = []
      const raw = redisCommands(limited, 'test')
      const counted: RedisCommands = {
        send: (args, key) => {
          sent.push(String(args[0]))
          return raw.send(args, key)
        },
      }
      const driver = driverFor(new RedisStore({ client: limited, prefix }), counted)
      for (const sid of ['a', 'b', 'c']) await driver.insert(sid, session())
      assert.equal(await driver.destroyMany(['a', 'b', 'missing']), 2)
      assert.equal(await driver.destroyMany(['c']), 1)
      assert.deepEqual(
        sent.filter((command) => command === 'INFO' || command === 'DEL'),
        ['INFO', 'DEL', 'DEL', 'DEL', 'DEL'],
      )
    } finally {
      if (limited.isOpen) await limited.close()
      await commands.send(['ACL', 'DELUSER', user])
    }
  })

  it('connect-redis 7 hides its client: the driver needs the raw one', () => {
    const store = new RedisStore7({ client, prefix: `${uniquePrefix('seven')}:` })
    assert.throws(() => driverFor(store), { code: ErrorCodes.INVALID_OPTION })
    const driver: StoreDriver = driverFor(store, redisCommands(client, 'redis'))
    assert.equal(driver.name, 'connect-redis')
    const expiry = driver.expiryOf({ cookie: {} } as SessionData).getTime() - Date.now()
    assert.ok(Math.abs(expiry - 86_400_000) < 5000, 'a day, its default ttl')
  })
})
