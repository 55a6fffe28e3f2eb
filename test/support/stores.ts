import { randomBytes } from 'node:crypto'
import SequelizeStoreInit from 'connect-session-sequelize'
import PgSimpleInit from 'connect-pg-simple'
import { RedisStore } from 'connect-redis'
import session, { type SessionData, type Store } from 'express-session'
import MemoryStoreInit from 'memorystore'
import { createClient } from 'redis'
import { QueryTypes, type Sequelize } from 'sequelize'
import type { SingleSessionOptions } from '../../src/index.js'
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
      return redisStore(db)
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

/**
 * connect-redis 9 on a node-redis 5 client of TEST_REDIS_URL. Its sessions and the library's
 * records (the `redis` option, same client) go under prefixes of their own, deleted by close().
 */
function redisStore(db: TestDatabase): TestStore {
  const client = createClient({ url: redisUrl() })
  // A lost connection is the test's to see (its commands fail), not an unhandled 'error' event.
  client.on('error', () => {})
  // Commands wait for the connection; a failure to connect rejects them.
  const connected = client.connect().then(
    () => true,
    () => false,
  )
  const sessionPrefix = `${uniquePrefix('sess')}:`
  const libraryPrefix = uniquePrefix('lib')
  const store = new RedisStore({ client, prefix: sessionPrefix })
  const key = (sid: string) => sessionPrefix + sid
  const keysUnder = async (pattern: string): Promise<string[]> => {
    const keys: string[] = []
    for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
      keys.push(...batch)
    }
    return keys
  }
  return {
    kind: 'redis',
    store,
    sequelize: db.sequelize,
    libraryOptions: () => ({ redis: { client, prefix: libraryPrefix } }),
    expiresItself: true,
    async storedSids() {
      return (await keysUnder(`${sessionPrefix}*`)).map((k) => k.slice(sessionPrefix.length)).sort()
    },
    async expire(sid) {
      // An expired key is gone from Redis: nothing is left for the library to read.
      await client.del(key(sid))
    },
    async read(sid) {
      const text = await client.get(key(sid))
      return text === null ? null : (JSON.parse(text) as Record<string, unknown>)
    },
    async write(sid, data) {
      await client.sendCommand(['SET', key(sid), JSON.stringify(data), 'XX', 'KEEPTTL'])
    },
    async seed(sessions) {
      await Promise.all(
        sessions.map(({ sid, data, expires }) =>
          client.sendCommand([
            'SET',
            key(sid),
            JSON.stringify({ ...data, cookie: { expires: expires.toISOString() } }),
            'PXAT',
            String(expires.getTime()),
          ]),
        ),
      )
    },
    cleanup: null,
    async close() {
      if (!(await connected) || !client.isReady) {
        if (client.isOpen) client.destroy()
        return
      }
      const keys = [
        ...(await keysUnder(`${sessionPrefix}*`)),
        ...(await keysUnder(`{${libraryPrefix}}:*`)),
      ]
      for (let i = 0; i < keys.length; i += 1000) await client.del(keys.slice(i, i + 1000))
      await client.close()
    },
  }
}
