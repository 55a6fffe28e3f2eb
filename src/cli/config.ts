/**
 * The command line's settings: the command line, then the config file (`--config`), then the
 * environment (DATABASE_URL, SESSION_STORE, REDIS_URL), each checked with a usage error.
 */
import { existsSync, readFileSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { DEFAULT_REDIS_PREFIX } from '../registry/redis/keys.js'
import { usageError } from './errors.js'
import { messageOf, redact } from './messages.js'

/**
 * The stores the command line can open: the shared ones, whose sessions live in SQL tables or
 * in Redis (connect-redis, with the library's records in the same Redis).
 */
export const CLI_STORES = ['sequelize', 'pg-simple', 'redis'] as const
export type CliStore = (typeof CLI_STORES)[number]

/** The Redis of `--store redis` when neither `--redis-url` nor REDIS_URL names one. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/** connect-redis's default key prefix. */
const CONNECT_REDIS_PREFIX = 'sess:'

/** What a config file (`--config`) may set. Every key is optional. */
export interface CliConfig {
  /**
   * The database URL: `sqlite:PATH`, `postgres://...`, `mariadb://...` (or `mysql://...`). With
   * Redis, only where `--user` is looked up (optional: without it, users are given by id).
   */
  database?: string
  /**
   * The app's session store. Default: `SESSION_STORE`; else `redis` when `redis` or REDIS_URL
   * is set; else `sequelize`.
   */
  store?: CliStore
  /** The Redis URL of connect-redis and the library's records: `redis://host:port[/db]`. */
  redis?: string
  /** The library's key prefix in Redis (the `redis.prefix` option). Default: `single-session`. */
  redisPrefix?: string
  /** connect-redis's `prefix` (its session keys). Default: `sess:`. */
  sessionPrefix?: string
  /**
   * The session store's table: connect-session-sequelize's `tableName` (default `Sessions`) or
   * connect-pg-simple's (default `session`).
   */
  sessionTable?: string
  /** The library's sessions table (the `tableName` option). Default: `user_sessions`. */
  tableName?: string
  /** Where `--user` is looked up. Default: `users`. */
  userTable?: string
  /** The user table's id column, the id your app passes to login(). Default: `id`. */
  userIdColumn?: string
  /** The user table's email column. Default: `email`. */
  userEmailColumn?: string
}

/** The options every command takes (commander's camel-cased names). */
export interface GlobalOptions {
  database?: string
  store?: string
  redisUrl?: string
  redisPrefix?: string
  sessionPrefix?: string
  config?: string
  sessionTable?: string
  table?: string
  userTable?: string
  userIdColumn?: string
  userEmailColumn?: string
}

/**
 * Every setting, checked. `database` is null only with Redis when none is given; `redis` is
 * null unless the store is `redis`.
 */
export type ResolvedConfig = Required<Omit<CliConfig, 'database' | 'redis'>> & {
  database: string | null
  redis: string | null
}

const DEFAULTS: Omit<ResolvedConfig, 'database' | 'store' | 'redis'> = {
  redisPrefix: DEFAULT_REDIS_PREFIX,
  sessionPrefix: CONNECT_REDIS_PREFIX,
  sessionTable: 'Sessions',
  tableName: 'user_sessions',
  userTable: 'users',
  userIdColumn: 'id',
  userEmailColumn: 'email',
}

const CONFIG_KEYS = ['database', 'store', 'redis', ...Object.keys(DEFAULTS)] as const

/** connect-pg-simple's default table name. */
const PG_SIMPLE_TABLE = 'session'

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * Merges the command line, the config file and DATABASE_URL (in that order of precedence) and
 * checks every value. Throws a usage error (exit 2) naming what is wrong.
 */
export async function resolveConfig(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedConfig> {
  const file = options.config ? await readConfigFile(options.config) : {}
  const database = options.database ?? file.database ?? (env.DATABASE_URL || undefined)
  const redisSetting = options.redisUrl ?? file.redis
  // An explicit store wins; a Redis URL given here or in the file means Redis; then the
  // environment: SESSION_STORE, else REDIS_URL (the example app's variables).
  const store =
    options.store ??
    file.store ??
    (redisSetting !== undefined ? 'redis' : undefined) ??
    (env.SESSION_STORE || undefined) ??
    (env.REDIS_URL ? 'redis' : 'sequelize')
  if (!(CLI_STORES as readonly string[]).includes(store)) {
    throw usageError(
      `--store must be one of ${CLI_STORES.join(', ')}; got ${JSON.stringify(store)}` +
        (store === 'memory'
          ? ' (an in-memory store lives in the app process: end its sessions there)'
          : ''),
    )
  }
  if (store !== 'redis' && redisSetting !== undefined) {
    throw usageError(
      `--redis-url is for --store redis; the store is ${store} (from ${options.store ? '--store' : file.store ? 'the config file' : 'SESSION_STORE'})`,
    )
  }
  if (store !== 'redis' && !database) {
    throw usageError(
      'No database: set DATABASE_URL, or pass --database <url> or --config <file> (or --redis-url for sessions in Redis).',
    )
  }
  if (store === 'pg-simple' && !/^postgres(ql)?:/.test(database!)) {
    throw usageError(
      '--store pg-simple needs a PostgreSQL database: pass --database postgres://...',
    )
  }
  const redis = store === 'redis' ? (redisSetting ?? (env.REDIS_URL || DEFAULT_REDIS_URL)) : null
  if (redis !== null && !/^rediss?:\/\//.test(redis)) {
    throw usageError(
      `The Redis URL must start with redis:// or rediss://; got ${JSON.stringify(redact(redis))}`,
    )
  }
  const config: ResolvedConfig = {
    database: database ?? null,
    store: store as CliStore,
    redis,
    redisPrefix: options.redisPrefix ?? file.redisPrefix ?? DEFAULTS.redisPrefix,
    sessionPrefix: options.sessionPrefix ?? file.sessionPrefix ?? DEFAULTS.sessionPrefix,
    sessionTable:
      options.sessionTable ??
      file.sessionTable ??
      (store === 'pg-simple' ? PG_SIMPLE_TABLE : DEFAULTS.sessionTable),
    tableName: options.table ?? file.tableName ?? DEFAULTS.tableName,
    userTable: options.userTable ?? file.userTable ?? DEFAULTS.userTable,
    userIdColumn: options.userIdColumn ?? file.userIdColumn ?? DEFAULTS.userIdColumn,
    userEmailColumn: options.userEmailColumn ?? file.userEmailColumn ?? DEFAULTS.userEmailColumn,
  }
  for (const key of [
    'sessionTable',
    'tableName',
    'userTable',
    'userIdColumn',
    'userEmailColumn',
  ] as const) {
    if (!IDENTIFIER.test(config[key])) {
      throw usageError(
        `${key} must be a table or column name of letters, digits and underscores; got ${JSON.stringify(config[key])}`,
      )
    }
  }
  if (!/^[\w.:-]{1,64}$/.test(config.redisPrefix)) {
    throw usageError(
      `redisPrefix must be 1 to 64 letters, digits and . : _ -; got ${JSON.stringify(config.redisPrefix)}`,
    )
  }
  if (!/^[\x21-\x7e]{1,100}$/.test(config.sessionPrefix)) {
    throw usageError(
      `sessionPrefix must be 1 to 100 printable characters without spaces; got ${JSON.stringify(config.sessionPrefix)}`,
    )
  }
  return config
}

/** Reads a JSON config file, or a JavaScript module whose default export is the config. */
async function readConfigFile(path: string): Promise<CliConfig> {
  const absolute = resolve(path)
  if (!existsSync(absolute)) throw usageError(`Config file not found: ${path}`)
  let value: unknown
  try {
    if (['.js', '.mjs', '.cjs'].includes(extname(absolute))) {
      const module = (await import(pathToFileURL(absolute).href)) as { default?: unknown }
      value = module.default
    } else {
      value = JSON.parse(readFileSync(absolute, 'utf8'))
    }
  } catch (error) {
    throw usageError(`Cannot read the config file ${path}: ${messageOf(error)}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw usageError(`The config file ${path} must hold an object`)
  }
  for (const [key, entry] of Object.entries(value)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw usageError(
        `Unknown key ${JSON.stringify(key)} in the config file ${path}; known keys: ${CONFIG_KEYS.join(', ')}`,
      )
    }
    if (typeof entry !== 'string') {
      throw usageError(`${key} in the config file ${path} must be a string`)
    }
  }
  return value
}
