import { randomBytes } from 'node:crypto'
import SequelizeStoreInit from 'connect-session-sequelize'
import PgSimpleInit from 'connect-pg-simple'
import { RedisStore } from 'connect-redis'
import RedisStore7 from 'connect-redis7'
import session, { type SessionData, type Store } from 'express-session'
import MemoryStoreInit from 'memorystore'
import { Redis as IoRedis } from 'ioredis'
import { createClient, type RedisClientType } from 'redis'
import { QueryTypes, type Sequelize } from 'sequelize'
import type { SingleSessionOptions } from '../../src/index.js'
import { redisCommands, type RedisCommands } from '../../src/redis/client.js'
import type { SequelizeStoreLike } from '../../src/store/drivers/sequelize.js'
import { dialect, type TestDatabase } from './database.js'

/**
 * The express-session store the suite runs on: TEST_STORE, set by test/run.ts. The contract
 * suite (the files test/run.ts lists as such) runs unchanged on each.
 */
export type StoreKind = 'sequelize' | 'pg-simple' | 'memory' | 'memorystore' | 'redis'

const KINDS: readonly StoreKind[] = ['sequelize', 'pg-simple', 'memory', 'memorystore', 'redis']

/** The Redis server of the Redis tests and of TEST_STORE=redis. */
export function redisUrl(): string {
  return process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379'
}

/** Why a test of Redis is skipped (TEST_REDIS_URL unset), or false. */
export function needsRedis(): string | false {
  return process.env.TEST_REDIS_URL ? false : 'needs Redis (set TEST_REDIS_URL)'
}

/** A key prefix no other test uses: `<label>-<random>`. */
export function uniquePrefix(label: string): string {
  return `sst-${label}-${randomBytes(4).toString('hex')}`
}

export function storeKind(): StoreKind {
  const kind = (process.env.TEST_STORE ?? 'sequelize') as StoreKind
  if (!KINDS.includes(kind)) throw new Error(`TEST_STORE must be one of ${KINDS.join(', ')}`)
  if (kind === 'pg-simple' && dialect() !== 'postgres') {
    throw new Error('TEST_STORE=pg-simple needs TEST_DATABASE_URL=postgres://...')
  }
  return kind
}

/** Whether the library keeps its records in Redis (TEST_STORE=redis), not in SQL tables. */
export function registryInRedis(): boolean {
  return storeKind() === 'redis'
}

/** Why a test that looks into the library's SQL tables is skipped on this store, or false. */
export function needsSqlRegistry(): string | false {
  return registryInRedis() ? `needs the registry in SQL tables (TEST_STORE=${storeKind()})` : false
}

/** Whether the store is shared by processes (not for the in-memory stores). */
export function storeIsShared(): boolean {
  return !storeKind().startsWith('memory')
}

/**
 * Why a test of a store in the registry's database (connect-session-sequelize, or
 * connect-pg-simple on the registry's PostgreSQL database) is skipped on this store, or false.
 */
export function needsStoreInRegistryDatabase(): string | false {
  return storeInRegistryDatabase()
    ? false
    : `needs the store in the registry's database (TEST_STORE=${storeKind()})`
}

/** Whether the test apps' store lives in the registry's database (the test database). */
export function storeInRegistryDatabase(): boolean {
  return storeKind() === 'sequelize' || storeKind() === 'pg-simple'
}

/** A store under test, and what the tests need to look into it behind the library's back. */
export interface TestStore {
  kind: StoreKind
  store: Store
  /** The test database (the users, and the library's tables unless they are in Redis). */
  sequelize: Sequelize
  /** Where the library keeps its records: `{ sequelize }`, or `{ redis }` for connect-redis. */
  libraryOptions(): Pick<SingleSessionOptions, 'sequelize' | 'redis'>
  /** Whether the store deletes expired sessions itself, as Redis does (prune() counts none). */
  expiresItself: boolean
  /** Every stored sid, sorted. */
  storedSids(): Promise<string[]>
  /** Makes a stored session expired. */
  expire(sid: string): Promise<void>
  /** The stored data of a session, or null. */
  read(sid: string): Promise<Record<string, unknown> | null>
  /** Overwrites the stored data of a session. */
  write(sid: string, data: Record<string, unknown>): Promise<void>
  /** Stores these sessions directly, as if logged in earlier. */
  seed(sessions: ReadonlyArray<{ sid: string; data: object; expires: Date }>): Promise<void>
  /** Runs the store's own expiry cleanup, as its timer does; null when it has none. */
  cleanup: (() => Promise<void>) | null
  close(): Promise<void>
}

const SequelizeStore = SequelizeStoreInit(session.Store)
const PgSimpleStore = PgSimpleInit(session)
const LruMemoryStore = MemoryStoreInit(session)

export function createTestStore(db: TestDatabase, kind: StoreKind = storeKind()): TestStore {
  switch (kind) {
    case 'sequelize':
      return sequelizeStore(db)
    case 'pg-simple':
      return pgSimpleStore(db)
    case 'memory':
      return memoryStore(db, new session.MemoryStore())
    case 'memorystore':
      return memoryStore(db, new LruMemoryStore({ checkPeriod: 0 }))
    case 'redis':
      return createRedisTestStore(db)
  }
}

function sequelizeStore(db: TestDatabase): TestStore {
  const store = new SequelizeStore({ db: db.sequelize, checkExpirationInterval: 0 })
  const model = (store as unknown as SequelizeStoreLike).sessionModel
  return {
    kind: 'sequelize',
    store,
    sequelize: db.sequelize,
    libraryOptions: () => ({ sequelize: db.sequelize }),
    expiresItself: false,
    async storedSids() {
      const rows = (await model.findAll({ attributes: ['sid'], raw: true })) as unknown as Array<{
        sid: string
      }>
      return rows.map((row) => row.sid).sort()
    },
    async expire(sid) {
      await model.update({ expires: new Date(Date.now() - 1000) }, { where: { sid } })
    },
    async read(sid) {
      const row = (await model.findOne({ where: { sid }, raw: true })) as { data: string } | null
      return row ? (JSON.parse(row.data) as Record<string, unknown>) : null
    },
    async write(sid, data) {
      await model.update({ data: JSON.stringify(data) }, { where: { sid } })
    },
    async seed(sessions) {
      await model.bulkCreate(
        sessions.map(({ sid, data, expires }) => ({ sid, expires, data: JSON.stringify(data) })),
      )
    },
    cleanup: async () => {
      await (store as unknown as SequelizeStoreLike).clearExpiredSessions()
    },
    close: async () => {},
  }
}

function pgSimpleStore(db: TestDatabase): TestStore {
  const store = new PgSimpleStore({ conString: db.url, pruneSessionInterval: false })
  const query = <T extends object>(sql: string, replacements: Record<string, unknown> = {}) =>
    db.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT })
  return {
    kind: 'pg-simple',
    store,
    sequelize: db.sequelize,
    libraryOptions: () => ({ sequelize: db.sequelize }),
    expiresItself: false,
    async storedSids() {
      return (await query<{ sid: string }>('SELECT sid FROM "session" ORDER BY sid')).map(
        (row) => row.sid,
      )
    },
    async expire(sid) {
      await db.sequelize.query(
        `UPDATE "session" SET expire = now() - interval '1 second' WHERE sid = :sid`,
        { replacements: { sid } },
      )
    },
    async read(sid) {
      const [row] = await query<{ sess: Record<string, unknown> }>(
        'SELECT sess FROM "session" WHERE sid = :sid',
        { sid },
      )
      return row?.sess ?? null
    },
    async write(sid, data) {
      await db.sequelize.query('UPDATE "session" SET sess = :sess WHERE sid = :sid', {
        replacements: { sid, sess: JSON.stringify(data) },
      })
    },
    async seed(sessions) {
      await db.sequelize.query(
        'INSERT INTO "session" (sid, sess, expire) SELECT * FROM unnest(ARRAY[:sids]::text[], ARRAY[:data]::json[], ARRAY[:expires]::timestamp[])',
        {
          replacements: {
            sids: sessions.map((s) => s.sid),
            data: sessions.map((s) => JSON.stringify(s.data)),
            expires: sessions.map((s) => s.expires.toISOString()),
          },
        },
      )
    },
    cleanup: () =>
      new Promise<void>((resolve, reject) =>
        (
          store as unknown as { pruneSessions(fn: (err: Error | null) => void): void }
        ).pruneSessions((err) => (err ? reject(err) : resolve())),
      ),
    close: () => (store as unknown as { close(): Promise<void> }).close(),
  }
}

function memoryStore(db: TestDatabase, store: Store): TestStore {
  const kind: StoreKind = store instanceof session.MemoryStore ? 'memory' : 'memorystore'
  const all = () =>
    new Promise<Record<string, SessionData>>((resolve, reject) =>
      store.all!((err, sessions) =>
        err ? reject(err as Error) : resolve((sessions ?? {}) as Record<string, SessionData>),
      ),
    )
  // Both keep sessions as JSON strings: `sessions` (express-session), an LRU cache (memorystore).
  const raw = store as unknown as {
    sessions?: Record<string, string>
    store?: { get(k: string): string | undefined; set(k: string, v: string, ttl?: number): void }
  }
  const get = (sid: string) => (raw.sessions ? raw.sessions[sid] : raw.store!.get(sid))
  const set = (sid: string, value: string) => {
    if (raw.sessions) raw.sessions[sid] = value
    else raw.store!.set(sid, value)
  }
  return {
    kind,
    store,
    sequelize: db.sequelize,
    libraryOptions: () => ({ sequelize: db.sequelize }),
    expiresItself: false,
    async storedSids() {
      return Object.keys(await all()).sort()
    },
    async expire(sid) {
      const value = get(sid)
      if (value === undefined) return
      if (!raw.sessions) {
        // memorystore expires entries by their time to live, not by the cookie.
        raw.store!.set(sid, value, 1)
        await new Promise((resolve) => setTimeout(resolve, 5))
        return
      }
      const data = JSON.parse(value) as { cookie: { expires?: string } }
      data.cookie.expires = new Date(Date.now() - 1000).toISOString()
      set(sid, JSON.stringify(data))
    },
    read(sid) {
      const value = get(sid)
      return Promise.resolve(
        value === undefined ? null : (JSON.parse(value) as Record<string, unknown>),
      )
    },
    write(sid, data) {
      set(sid, JSON.stringify(data))
      return Promise.resolve()
    },
    seed(sessions) {
      for (const { sid, data, expires } of sessions) {
        set(sid, JSON.stringify({ ...data, cookie: { expires: expires.toISOString() } }))
      }
      return Promise.resolve()
    },
    cleanup: null,
    close: () => {
      ;(store as { stopInterval?: () => void }).stopInterval?.()
      return Promise.resolve()
    },
  }
}

/** Where a test database's Redis data lives: its own key prefixes, deleted with it. */
export interface RedisSpace {
  sessionPrefix: string
  libraryPrefix: string
}

const redisSpaces = new WeakMap<TestDatabase, RedisSpace>()

/**
 * The Redis prefixes of a test database, made on first use: the stores of every app on one
 * test database share them (as app processes share a server, and a restarted app finds its
 * sessions), and `drop()` deletes their keys.
 */
export function redisSpaceOf(db: TestDatabase): RedisSpace {
  let space = redisSpaces.get(db)
  if (space) return space
  const id = uniquePrefix('db')
  space = { sessionPrefix: `${id}:sess:`, libraryPrefix: id }
  redisSpaces.set(db, space)
  const drop = db.drop.bind(db)
  const { sessionPrefix, libraryPrefix } = space
  db.drop = async () => {
    await deleteRedisKeys([`${sessionPrefix}*`, `{${libraryPrefix}}:*`])
    await drop()
  }
  return space
}

/** Deletes the keys matching these patterns (SCAN, then DEL), on a client of its own. */
export async function deleteRedisKeys(patterns: readonly string[]): Promise<void> {
  const client = createClient({ url: redisUrl() })
  client.on('error', () => {})
  await client.connect()
  try {
    for (const pattern of patterns) {
      for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
        if (keys.length > 0) await client.del(keys)
      }
    }
  } finally {
    await client.close()
  }
}

/** Which connect-redis store on which client, and where the library keeps its records. */
export interface RedisStoreVariant {
  /** connect-redis 9 (keeps the client it is given) or 7 (wraps it). Default: 9. */
  connectRedis?: 7 | 9
  /** The Redis client of the store. Default: node-redis (connect-redis 9 takes no other). */
  client?: 'node-redis' | 'ioredis'
  /** Where the client connects. Default: TEST_REDIS_URL. */
  url?: string
  /** connect-redis options besides `client` (its own `prefix` replaces the test's). */
  storeOptions?: Record<string, unknown>
  /**
   * What the library is given: `redis` (the client, and the test's prefix; default),
   * `sequelize` (the records in the test database) or nothing.
   */
  library?: 'redis' | 'sequelize' | 'none'
}

/** A connect-redis test store, with its client and the raw commands on it. */
export interface RedisTestStore extends TestStore {
  client: RedisClientType | IoRedis
  commands: RedisCommands
  /** The prefix of the store's session keys. */
  sessionPrefix: string
  /** The library's `redis.prefix` (its keys are `{prefix}:...`). */
  libraryPrefix: string
}

/**
 * connect-redis on its own client of TEST_REDIS_URL (a client per store, as per app process):
 * by default connect-redis 9 on node-redis 5, and the library's records in Redis on the same
 * client. The sessions and the records go under the test database's prefixes.
 */
export function createRedisTestStore(
  db: TestDatabase,
  variant: RedisStoreVariant = {},
): RedisTestStore {
  const url = variant.url ?? redisUrl()
  const space = redisSpaceOf(db)
  const sessionPrefix = (variant.storeOptions?.prefix as string | undefined) ?? space.sessionPrefix
  const { libraryPrefix } = space
  let client: RedisClientType | IoRedis
  let connected: Promise<boolean>
  if (variant.client === 'ioredis') {
    const io = new IoRedis(url, { maxRetriesPerRequest: 1 })
    io.on('error', () => {})
    client = io
    connected = Promise.resolve(true)
  } else {
    const nodeRedis: RedisClientType = createClient({ url })
    // A lost connection is the test's to see (its commands fail), not an unhandled 'error' event.
    nodeRedis.on('error', () => {})
    // Commands wait for the connection; a failure to connect rejects them.
    connected = nodeRedis.connect().then(
      () => true,
      () => false,
    )
    client = nodeRedis
  }
  const commands = redisCommands(client, 'test')
  const storeOptions = { ...variant.storeOptions, client, prefix: sessionPrefix }
  const store: Store =
    variant.connectRedis === 7 ? new RedisStore7(storeOptions) : new RedisStore(storeOptions)
  const key = (sid: string) => sessionPrefix + sid
  const keysUnder = async (pattern: string): Promise<string[]> => {
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, batch] = (await commands.send([
        'SCAN',
        cursor,
        'MATCH',
        pattern,
        'COUNT',
        1000,
      ])) as [string, string[]]
      cursor = String(next)
      keys.push(...batch.map(String))
    } while (cursor !== '0')
    return keys
  }
  return {
    kind: 'redis',
    store,
    client,
    commands,
    sessionPrefix,
    libraryPrefix,
    sequelize: db.sequelize,
    libraryOptions: () => {
      switch (variant.library ?? 'redis') {
        case 'redis':
          return { redis: { client, prefix: libraryPrefix } }
        case 'sequelize':
          return { sequelize: db.sequelize }
        case 'none':
          return {}
      }
    },
    expiresItself: true,
    async storedSids() {
      return (await keysUnder(`${sessionPrefix}*`)).map((k) => k.slice(sessionPrefix.length)).sort()
    },
    async expire(sid) {
      // An expired key is gone from Redis: nothing is left for the library to read.
      await commands.send(['DEL', key(sid)])
    },
    async read(sid) {
      const text = (await commands.send(['GET', key(sid)])) as string | null
      return text === null ? null : (JSON.parse(text) as Record<string, unknown>)
    },
    async write(sid, data) {
      await commands.send(['SET', key(sid), JSON.stringify(data), 'XX', 'KEEPTTL'])
    },
    async seed(sessions) {
      await Promise.all(
        sessions.map(({ sid, data, expires }) =>
          commands.send([
            'SET',
            key(sid),
            JSON.stringify({ ...data, cookie: { expires: expires.toISOString() } }),
            'PXAT',
            expires.getTime(),
          ]),
        ),
      )
    },
    cleanup: null,
    /** Closes the client; the keys go with the test database (`drop()`). */
    async close() {
      if (client instanceof IoRedis) {
        if (client.status === 'ready') await client.quit()
        else client.disconnect()
        return
      }
      if ((await connected) && client.isReady) await client.close()
      else if (client.isOpen) client.destroy()
    },
  }
}
