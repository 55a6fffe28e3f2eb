import { existsSync } from 'node:fs'
import session, { type Store } from 'express-session'
import { QueryTypes, Sequelize } from 'sequelize'
import type { RedisCommands } from '../redis/client.js'
import { redisCommands } from '../redis/client.js'
import { importPeer } from './peers.js'
import { importConnectRedis, openRedis } from './redis.js'
import { createSingleSession, type SingleSession } from '../single-session.js'
import { queryGeneratorOf } from '../registry/sequelize/sql.js'
import { CliError, ExitCodes, usageError } from './errors.js'
import type { ResolvedConfig } from './config.js'
import { fitsIdType, isDataException } from './id-column.js'
import { messageOf, redact } from './messages.js'

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

function stringOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value) ?? null
}
