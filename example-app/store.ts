/**
 * The example's express-session store, chosen by SESSION_STORE:
 *
 *   sequelize  (default) connect-session-sequelize, table "Sessions" in DATABASE_URL's database
 *   pg-simple  connect-pg-simple, table "session" in DATABASE_URL's database (postgres:// only),
 *              through its own pg pool
 *   memory     express-session's MemoryStore: one process only
 *   redis      connect-redis 9 on a node-redis client, at REDIS_URL (default
 *              redis://127.0.0.1:6379; a database number in the URL is honoured)
 *
 * The library's records go to the app's Sequelize instance with the SQL stores, and to the same
 * Redis as the sessions with `redis`. The users stay in DATABASE_URL's database whatever the
 * store.
 */
import SequelizeStoreInit from 'connect-session-sequelize'
import PgSimpleInit from 'connect-pg-simple'
import { RedisStore } from 'connect-redis'
import session, { type Store } from 'express-session'
import { createClient } from 'redis'
import type { Sequelize } from 'sequelize'
import type { SingleSessionOptions } from '../src/index.js'

export const SESSION_STORES = ['sequelize', 'pg-simple', 'memory', 'redis'] as const
export type SessionStoreKind = (typeof SESSION_STORES)[number]

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/** Where SESSION_STORE=redis keeps everything: REDIS_URL and REDIS_PREFIX. */
export interface RedisSettings {
  /** redis://[user:password@]host:port[/db] or rediss://... Default: redis://127.0.0.1:6379. */
  url?: string
  /**
   * Starts every key: the sessions are `<prefix>:sess:<sid>` and the library's keys
   * `{<prefix>}:...`. Default: connect-redis's `sess:` and the library's `{single-session}`.
   */
  prefix?: string
}

export interface ExampleStore {
  kind: SessionStoreKind
  store: Store
  /** Where the library keeps its records: the option to give createSingleSession(). */
  records: Pick<SingleSessionOptions, 'sequelize' | 'redis'>
  /** What to say about the store at start-up; null for the default. */
  notice: string | null
  /** Stops the store's timers and closes its own connections, if any. */
  close(): Promise<void>
}

const SequelizeStore = SequelizeStoreInit(session.Store)
const PgSimpleStore = PgSimpleInit(session)

/**
 * The store kind that SESSION_STORE names (unset or empty: sequelize), checked against the
 * database: fails, before anything is opened, with a sentence that says what to set.
 */
export function sessionStoreKind(value: string | undefined, databaseUrl: string): SessionStoreKind {
  const kind = value === undefined || value === '' ? 'sequelize' : value
  if (!(SESSION_STORES as readonly string[]).includes(kind)) {
    throw new Error(
      `SESSION_STORE must be sequelize (the default), pg-simple, memory or redis; got ${JSON.stringify(kind)}`,
    )
  }
  if (kind === 'pg-simple' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(
      `SESSION_STORE=pg-simple needs DATABASE_URL=postgres://...; got ${schemeOf(databaseUrl)} URL ` +
        '(set SESSION_STORE=sequelize, memory or redis for SQLite and MariaDB)',
    )
  }
  return kind as SessionStoreKind
}

/**
 * Checks REDIS_URL and REDIS_PREFIX before anything is opened; fails with a sentence that says
 * what to set.
 */
export function redisSettings(settings: RedisSettings = {}): Required<RedisSettings> {
  const url = settings.url === undefined || settings.url === '' ? DEFAULT_REDIS_URL : settings.url
  if (!/^rediss?:\/\//.test(url)) {
    throw new Error(
      `REDIS_URL must be redis://host:port (or rediss://, with /<db> to pick a database); got ${schemeOf(url)} URL`,
    )
  }
  const prefix = settings.prefix ?? ''
  if (prefix !== '' && !/^[\w.-]{1,48}$/.test(prefix)) {
    throw new Error(
      `REDIS_PREFIX must be 1 to 48 letters, digits, dots, dashes or underscores; got ${JSON.stringify(prefix)}`,
    )
  }
  return { url, prefix }
}

/**
 * The store for `kind`, on the app's database (`sequelize`, opened from `databaseUrl`) or, for
 * `redis`, on a new node-redis client. Rejects, with a sentence that says what to set, when
 * Redis cannot be reached; `onRedisError` hears of a lost connection while the app runs.
 */
export async function createExampleStore(
  kind: SessionStoreKind,
  databaseUrl: string,
  sequelize: Sequelize,
  redis: RedisSettings = {},
  onRedisError?: (error: unknown) => void,
): Promise<ExampleStore> {
  switch (kind) {
    case 'sequelize': {
      const store = new SequelizeStore({ db: sequelize })
      return {
        kind,
        store,
        records: { sequelize },
        notice: null,
        close: () => {
          ;(store as unknown as { stopExpiringSessions(): void }).stopExpiringSessions()
          return Promise.resolve()
        },
      }
    }
    case 'pg-simple': {
      // Its default table, "session"; singleSession.migrate() creates it when missing.
      const store = new PgSimpleStore({ conString: databaseUrl })
      return {
        kind,
        store,
        records: { sequelize },
        notice: 'Sessions in connect-pg-simple (table "session").',
        // connect-pg-simple 10 resolves once its pool has ended (the types still say void).
        close: async () => {
          await (store as unknown as { close(): Promise<void> | undefined }).close()
        },
      }
    }
    case 'memory':
      return {
        kind,
        store: new session.MemoryStore(),
        records: { sequelize },
        notice:
          "Sessions in express-session's MemoryStore: one process only; they end when it stops.",
        close: () => Promise.resolve(),
      }
    case 'redis':
      return createRedisStore(redisSettings(redis), onRedisError)
  }
}

async function createRedisStore(
  { url, prefix }: Required<RedisSettings>,
  onError?: (error: unknown) => void,
): Promise<ExampleStore> {
  let connected = false
  let reported = false
  const client = createClient({
    url,
    // What CLIENT LIST shows for the app's connection.
    name: prefix ? `example-app:${prefix}` : 'example-app',
    // While Redis is away, a command fails at once (the request answers 503) instead of
    // waiting in a queue for the connection to come back.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5000,
      // At start-up, give up at the first failure; later, keep reconnecting.
      reconnectStrategy: (retries, cause) =>
        connected ? Math.min(50 * 2 ** retries, 2000) : cause,
    },
  })
  // Without a listener a lost connection would crash the process: report it once per outage.
  client.on('error', (error: unknown) => {
    if (!connected || reported) return
    reported = true
    onError?.(error)
  })
  client.on('ready', () => {
    reported = false
  })
  try {
    await client.connect()
    connected = true
  } catch (error) {
    throw new Error(
      `SESSION_STORE=redis cannot reach Redis at ${redact(url)} (${messageOf(error)}): ` +
        'start Redis there, or set REDIS_URL=redis://host:port[/db] to one that runs',
      { cause: error },
    )
  }
  const store = new RedisStore({ client, ...(prefix ? { prefix: `${prefix}:sess:` } : {}) })
  return {
    kind: 'redis',
    store,
    // The library would find the client in the store by itself; the prefix needs saying.
    records: prefix ? { redis: { client, prefix } } : {},
    notice: `Sessions and the library's records in Redis at ${redact(url)}.`,
    close: async () => {
      connected = false
      if (client.isOpen) await client.close()
    },
  }
}

/** `a sqlite:` or `an unknown`: only the scheme, since the rest of a URL may hold a password. */
function schemeOf(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]
  return scheme ? `a ${scheme}` : 'an unknown'
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')
  }
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message || 'no answer'
}
