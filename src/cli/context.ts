import { existsSync, readFileSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import session, { type Store } from 'express-session'
import { QueryTypes, Sequelize } from 'sequelize'
import type { RedisCommands } from '../redis/client.js'
import { redisCommands } from '../redis/client.js'
import { DEFAULT_REDIS_PREFIX } from '../registry/redis/keys.js'
import { createSingleSession, type SingleSession } from '../single-session.js'
import { queryGeneratorOf } from '../registry/sequelize/sql.js'
import { CliError, ExitCodes, usageError } from './errors.js'
import { fitsIdType, isDataException } from './id-column.js'

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

/** A user named on the command line, as found in the database. */
export interface ResolvedUser {
  /** What was typed: an id or an email. */
  input: string
  /** The id the library records sessions under. */
  userId: string
  /** The user's email, when the user table has them. */
  email: string | null
}

/** The SQL database of a command: the library's tables (SQL stores) and the user table. */
export interface SqlAccess {
  sequelize: Sequelize
  /** A quoted table name for raw SQL. */
  table: (name: string) => string
  /** A quoted column name for raw SQL. */
  column: (name: string) => string
}

/** An open store with the library on it, for one command. */
export interface CliContext {
  config: ResolvedConfig
  /** The SQL database; null with Redis when no database is given (users by id only). */
  sql: SqlAccess | null
  /** Raw commands on the Redis of `--store redis`; null with the SQL stores. */
  redis: RedisCommands | null
  singleSession: SingleSession
  /** Finds users by id or email; throws exit code 3 naming every input that matches nobody. */
  resolveUsers(inputs: readonly string[]): Promise<ResolvedUser[]>
  /** Emails of these user ids, where the user table has them. */
  emailsOf(userIds: readonly string[]): Promise<Map<string, string>>
}

/**
 * Opens the database (and, for `--store redis`, Redis), builds the app's store and a
 * SingleSession on it, runs `body` and closes everything, whatever happens. With
 * `requireTables`, the library's tables must exist (else exit 1 with a message that says to run
 * `migrate`).
 */
export async function withContext<T>(
  config: ResolvedConfig,
  { requireTables, create = false }: { requireTables: boolean; create?: boolean },
  body: (context: CliContext) => Promise<T>,
): Promise<T> {
  if (config.redis !== null) return withRedisContext(config, { requireTables }, body)
  const sequelize = await openDatabase(config.database!, { create })
  let store: (Store & { close?: () => Promise<void> }) | undefined
  try {
    store = await openStore(config, sequelize)
    const singleSession = createSingleSession({ store, sequelize, tableName: config.tableName })
    if (requireTables) await singleSession.ready()
    return await body(makeContext(config, sequelize, null, singleSession))
  } finally {
    await store?.close?.().catch(() => undefined)
    await sequelize.close().catch(() => undefined)
  }
}

/**
 * `--store redis`: a node-redis client on the Redis URL, a connect-redis store on it with the
 * app's session prefix, the library's records in the same Redis under its prefix; the SQL
 * database, when given, only for looking up users.
 */
async function withRedisContext<T>(
  config: ResolvedConfig,
  { requireTables }: { requireTables: boolean },
  body: (context: CliContext) => Promise<T>,
): Promise<T> {
  const client = await openRedis(config.redis!)
  let sequelize: Sequelize | null = null
  try {
    sequelize = config.database ? await openDatabase(config.database, { create: false }) : null
    const { RedisStore } = await importConnectRedis()
    const store = new RedisStore({ client, prefix: config.sessionPrefix })
    const singleSession = createSingleSession({
      store,
      redis: { client, prefix: config.redisPrefix },
    })
    if (requireTables) await singleSession.ready()
    const redis = redisCommands(client, 'redis')
    return await body(makeContext(config, sequelize, redis, singleSession))
  } finally {
    await client.close().catch(() => client.destroy())
    await sequelize?.close().catch(() => undefined)
  }
}

/** The parts of a node-redis client the command line uses. */
interface NodeRedisClient {
  connect(): Promise<unknown>
  close(): Promise<unknown>
  destroy(): void
  on(event: 'error', listener: (error: unknown) => void): unknown
}

/**
 * Connects to Redis with the `redis` package (node-redis), imported only here: an app on SQL
 * stores needs none. An unreachable Redis is exit code 1 with the reason, at once.
 */
async function openRedis(url: string): Promise<NodeRedisClient> {
  let createClient: (options: object) => NodeRedisClient
  try {
    ;({ createClient } = (await import('redis')) as unknown as {
      createClient: typeof createClient
    })
  } catch {
    throw usageError(
      '--store redis needs the redis package (node-redis 4 or later): npm install redis',
    )
  }
  const client = createClient({
    url,
    // One command, one connection: fail at once instead of reconnecting.
    socket: { connectTimeout: 10_000, reconnectStrategy: (_: number, cause: Error) => cause },
  })
  client.on('error', () => undefined) // reported by the command that fails
  try {
    await client.connect()
  } catch (error) {
    throw new CliError(
      ExitCodes.FAILURE,
      `Cannot connect to Redis at ${redact(url)}: ${messageOf(error)}`,
      { cause: error },
    )
  }
  return client
}

/** connect-redis's store class: a named export from 8 on, the default export in 7. */
async function importConnectRedis(): Promise<{
  RedisStore: new (options: { client: unknown; prefix: string }) => Store
}> {
  const module = await importPeer<{ RedisStore?: unknown; default?: unknown }>('connect-redis')
  const RedisStore = (module.RedisStore ?? module.default) as
    (new (options: { client: unknown; prefix: string }) => Store) | undefined
  if (typeof RedisStore !== 'function') {
    throw usageError('connect-redis exports no RedisStore: install connect-redis 7 or later')
  }
  return { RedisStore }
}

/** The app's store on its database, without cleanup timers: this process lives for one command. */
async function openStore(config: ResolvedConfig, sequelize: Sequelize): Promise<Store> {
  if (config.store === 'pg-simple') {
    const { default: ConnectPgSimple } = await importPeer<{
      default: typeof import('connect-pg-simple')
    }>('connect-pg-simple')
    const PgStore = ConnectPgSimple(session)
    return new PgStore({
      conString: config.database!,
      tableName: config.sessionTable,
      pruneSessionInterval: false,
    })
  }
  const { default: SequelizeStoreInit } = await importPeer<{
    default: typeof import('connect-session-sequelize')
  }>('connect-session-sequelize')
  const SequelizeStore = SequelizeStoreInit(session.Store)
  return new SequelizeStore({
    db: sequelize,
    tableName: config.sessionTable,
    checkExpirationInterval: 0,
  })
}

/** A store package the app has installed (an optional peer), or a usage error naming it. */
async function importPeer<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T
  } catch {
    throw usageError(`${name} is not installed: npm install ${name}, or pass the --store you use`)
  }
}

function makeContext(
  config: ResolvedConfig,
  database: Sequelize | null,
  redis: RedisCommands | null,
  singleSession: SingleSession,
): CliContext {
  const sql: SqlAccess | null = database && sqlAccess(database)
  const { userTable, userIdColumn, userEmailColumn } = config

  let userColumns: Promise<Record<string, { type: string }> | null> | undefined
  /** The user table's columns, or null when there is no such table (or no database). */
  function describeUsers(): Promise<Record<string, { type: string }> | null> {
    userColumns ??= database
      ? database
          .getQueryInterface()
          .describeTable(userTable)
          .then(
            (columns) => columns as Record<string, { type: string }>,
            () => null,
          )
      : Promise.resolve(null)
    return userColumns
  }

  /** The SQL database; only asked for once the user table is known to exist. */
  function users(): SqlAccess {
    if (!sql) throw new Error('no database of users')
    return sql
  }

  async function usersWhere(
    where: string,
    value: string,
  ): Promise<Array<{ id: unknown; email: unknown }>> {
    const { sequelize, column, table } = users()
    const columns = await describeUsers()
    const email = columns && userEmailColumn in columns ? column(userEmailColumn) : 'NULL'
    return sequelize.query<{ id: unknown; email: unknown }>(
      `SELECT ${column(userIdColumn)} AS id, ${email} AS email FROM ${table(userTable)} WHERE ${where}`,
      { replacements: { value }, type: QueryTypes.SELECT },
    )
  }

  /** Whether a value can be compared with the id column without a type error. */
  async function fitsIdColumn(value: string): Promise<boolean> {
    const columns = await describeUsers()
    return fitsIdType(columns?.[userIdColumn]?.type ?? '', value)
  }

  /** The user with this id; null when there is none, or the column cannot hold such an id. */
  async function userWithId(id: string): Promise<{ id: unknown; email: unknown } | null> {
    if (!(await fitsIdColumn(id))) return null
    try {
      const [row] = await usersWhere(`${users().column(userIdColumn)} = :value`, id)
      return row ?? null
    } catch (error) {
      if (isDataException(error)) return null
      throw error
    }
  }

  async function hasRecords(userId: string): Promise<boolean> {
    return ((await singleSession.registry.countByUser([userId])).get(userId) ?? 0) > 0
  }

  async function resolveOne(input: string): Promise<ResolvedUser | string> {
    const columns = await describeUsers()
    if (columns && !(userIdColumn in columns)) {
      throw usageError(
        `The user table ${userTable} has no column ${userIdColumn}; pass --user-id-column`,
      )
    }
    if (input.includes('@')) {
      if (!database) {
        throw usageError(
          `Cannot look up ${input}: the users are in your SQL database, and none is given. Pass --database <url> (or set DATABASE_URL), or give the user's id.`,
        )
      }
      if (!columns) {
        throw usageError(
          `Cannot look up ${input}: there is no user table ${userTable}. Pass --user-table, or give the user's id.`,
        )
      }
      if (!(userEmailColumn in columns)) {
        throw usageError(
          `The user table ${userTable} has no column ${userEmailColumn}; pass --user-email-column, or give the user's id.`,
        )
      }
      const { column } = users()
      let rows = await usersWhere(`${column(userEmailColumn)} = :value`, input)
      if (rows.length === 0) {
        rows = await usersWhere(`LOWER(${column(userEmailColumn)}) = LOWER(:value)`, input)
      }
      if (rows.length > 1) return `${input} matches ${rows.length} users`
      const row = rows[0]
      if (!row) return `no user with the email ${input}`
      return { input, userId: String(row.id), email: stringOrNull(row.email) }
    }
    if (input.trim() === '' || input.length > 191)
      return `${JSON.stringify(input)} is not a user id`
    const row = columns ? await userWithId(input) : null
    if (row) return { input, userId: String(row.id), email: stringOrNull(row.email) }
    // A user deleted from the user table (or one the table does not hold) may still have
    // sessions: those are worth listing and ending.
    if (await hasRecords(input)) return { input, userId: input, email: null }
    return `no user with the id ${input}`
  }

  return {
    config,
    sql,
    redis,
    singleSession,
    async resolveUsers(inputs) {
      const found: ResolvedUser[] = []
      const unknown: string[] = []
      for (const input of inputs) {
        const result = await resolveOne(input)
        if (typeof result === 'string') unknown.push(result)
        else found.push(result)
      }
      if (unknown.length > 0) {
        throw new CliError(ExitCodes.UNKNOWN_USER, `Unknown user: ${unknown.join('; ')}`)
      }
      return found
    },
    async emailsOf(userIds) {
      const emails = new Map<string, string>()
      const columns = await describeUsers()
      if (!columns || !(userIdColumn in columns) || !(userEmailColumn in columns)) return emails
      const ids: string[] = []
      for (const id of userIds) if (await fitsIdColumn(id)) ids.push(id)
      if (ids.length === 0) return emails
      const { sequelize, column, table } = users()
      const rows = await sequelize
        .query<{ id: unknown; email: unknown }>(
          `SELECT ${column(userIdColumn)} AS id, ${column(userEmailColumn)} AS email FROM ${table(userTable)} WHERE ${column(userIdColumn)} IN (:ids)`,
          { replacements: { ids }, type: QueryTypes.SELECT },
        )
        .catch((error: unknown) => {
          if (isDataException(error)) return []
          throw error
        })
      for (const row of rows) {
        const email = stringOrNull(row.email)
        if (email) emails.set(String(row.id), email)
      }
      return emails
    },
  }
}

function sqlAccess(sequelize: Sequelize): SqlAccess {
  const generator = queryGeneratorOf(sequelize)
  return {
    sequelize,
    table: (name) => generator.quoteTable(name),
    column: (name) => generator.quoteIdentifier(name),
  }
}

/**
 * Opens `sqlite:PATH`, `postgres://...` or `mariadb://...` / `mysql://...` and checks that it
 * answers. An unreachable server is exit code 1 with the reason; a URL it cannot use, exit 2.
 */
export async function openDatabase(
  url: string,
  { create }: { create: boolean },
): Promise<Sequelize> {
  let sequelize: Sequelize
  try {
    if (url.startsWith('sqlite:')) {
      const storage = url.slice('sqlite:'.length) || ':memory:'
      if (!create && storage !== ':memory:' && !existsSync(storage)) {
        throw new CliError(
          ExitCodes.FAILURE,
          `No SQLite database at ${storage} (run \`migrate\` to create one).`,
        )
      }
      sequelize = new Sequelize({ dialect: 'sqlite', storage, logging: false })
    } else if (/^postgres(ql)?:\/\//.test(url)) {
      sequelize = new Sequelize(url, {
        logging: false,
        pool: { max: 2, min: 0, acquire: 15_000 },
        dialectOptions: { connectionTimeoutMillis: 10_000 },
      })
    } else if (/^(mariadb|mysql):\/\//.test(url)) {
      sequelize = new Sequelize(url.replace(/^mysql:/, 'mariadb:'), {
        logging: false,
        pool: { max: 2, min: 0, acquire: 15_000 },
        dialectOptions: { connectTimeout: 10_000 },
      })
    } else {
      throw usageError(
        `The database URL must start with sqlite:, postgres:// or mariadb:// (or mysql://); got ${JSON.stringify(redact(url))}`,
      )
    }
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError(ExitCodes.FAILURE, `Cannot open the database: ${messageOf(error)}`)
  }
  try {
    await sequelize.authenticate()
    // The app may be writing the same file: wait for its locks instead of failing.
    if (sequelize.getDialect() === 'sqlite') await sequelize.query('PRAGMA busy_timeout = 10000')
  } catch (error) {
    await sequelize.close().catch(() => undefined)
    throw new CliError(
      ExitCodes.FAILURE,
      `Cannot connect to the database ${redact(url)}: ${messageOf(error)}`,
      { cause: error },
    )
  }
  return sequelize
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')
  }
}

/** The most useful line of an error: Sequelize wraps driver errors without their message. */
export function messageOf(error: unknown): string {
  const parent = (error as { parent?: { message?: string; code?: string } } | null)?.parent
  const message = (error as Error | null)?.message || parent?.message || String(error)
  const code = parent?.code ?? (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message
}

function stringOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value) ?? null
}
