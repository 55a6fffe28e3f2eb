import type { Store } from 'express-session'
import type { Sequelize } from 'sequelize'
import { isValidLimit, type OnLimit, type PerUser } from './core/policy.js'
import { isValidTimeout, type TimeoutOption } from './core/timeouts.js'
import { ErrorCodes, SingleSessionError, invalidOption } from './errors.js'
import { nearestName } from './nearest-name.js'
import { DEFAULT_USER_SESSION_TABLE } from './registry/sequelize/user-session.model.js'
import { isRedisClient, redisCommands, type RedisCommands } from './redis/client.js'
import { DEFAULT_REDIS_PREFIX } from './registry/redis/keys.js'
import type { StoreDriver } from './store/driver.js'
import { driverFor, redisClientOf, sequelizeOf } from './store/drivers/detect.js'

export interface SingleSessionOptions<User = Record<string, unknown>> {
  /**
   * The express-session store, the same instance you pass to `session({ store })`. Supported as
   * is: connect-pg-simple, connect-session-sequelize, express-session's MemoryStore and
   * memorystore. Any other store needs `storeDriver`.
   */
  store: Store
  /** A driver for a store that is not supported out of the box. Default: chosen from `store`. */
  storeDriver?: StoreDriver
  /**
   * The database of the library's tables (the registry, the reasons, the audit trail).
   * Default: the Sequelize instance of a connect-session-sequelize store; required with any
   * other store.
   */
  sequelize?: Sequelize
  /**
   * Keeps the library's records (the registry, the reasons, the audit trail) in Redis instead
   * of SQL: a connected node-redis (4+) or ioredis client, or `{ client, prefix, auditMaxLength }`.
   * Default: the client of a connect-redis 9+ store when no `sequelize` is given. Give either
   * this or `sequelize`, not both.
   */
  redis?: RedisClient | RedisOptions
  /**
   * How many sessions a user may have at once: an integer >= 1, or a (sync or async) function
   * of the user returning one, evaluated at each login. Default: `1`.
   */
  limit?: PerUser<number, User>
  /**
   * What a login beyond the limit does: `'evict-oldest'` signs out the user's oldest sessions,
   * `'deny-new'` refuses the new login with a `SessionLimitError`. Default: `'evict-oldest'`.
   */
  onLimit?: OnLimit
  /**
   * Whether the limit applies to this user: a boolean, or a (sync or async) function of the
   * user. Sessions of users it exempts are still recorded and can be logged out. Default: `true`.
   */
  enabled?: PerUser<boolean, User>
  /** Whether `logout()` signs the user out of all their sessions, not just this one. Default: `true`. */
  logoutAllSessions?: boolean
  /** Reads the id of a user object. Numbers and strings are the same id. Default: `user => user.id`. */
  getUserId?: (user: User) => unknown
  /** The key in `req.session` under which the library marks a logged-in session. Default: `'singleSession'`. */
  sessionKey?: string
  /** Table name of the session records. Default: `'user_sessions'`. */
  tableName?: string
  /**
   * Last-seen is written at most once per this many milliseconds per session (and at least once
   * per half `idleTimeout` when that is shorter). Default: `60000`.
   */
  lastSeenInterval?: number
  /**
   * Ends a session after this many milliseconds without a request, server-side, at its next
   * request (reason `idle-timeout`): an integer > 0, `null` for none, or a (sync or async)
   * function of the user returning one, evaluated at each login. Needs `middleware()`, which
   * moves the deadline forward. Default: `null`.
   */
  idleTimeout?: TimeoutOption<User>
  /**
   * Ends a session this many milliseconds after its login, however busy (reason
   * `absolute-timeout`): like `idleTimeout`. Default: `null`.
   */
  absoluteTimeout?: TimeoutOption<User>
  /**
   * The event streams of `eventsHandler()`: `{ heartbeatInterval, pollInterval,
   * maxStreamsPerUser, maxStreamsPerProcess }`, every field optional. See docs/events.md.
   */
  events?: EventsOptions
}

export interface EventsOptions {
  /** A comment line is sent on each open stream this often (ms), for proxies. Default: `25000`. */
  heartbeatInterval?: number
  /**
   * Every watched session is checked against the registry this often (ms), while streams are
   * open. Default: `1000` on MariaDB and SQLite (the only way ends on other processes arrive),
   * `15000` on PostgreSQL and Redis (a safety net under their notifications).
   */
  pollInterval?: number
  /** Open streams one user may have on one process; more get 429. Default: `10`. */
  maxStreamsPerUser?: number
  /** Open streams on one process; more get 429. Default: `10000`. */
  maxStreamsPerProcess?: number
}

/** The event streams' settings, defaults filled in. */
export type NormalizedEventsOptions = Required<EventsOptions>

/** A connected node-redis (4 and later) or ioredis client, or either's cluster client. */
export type RedisClient = object

export interface RedisOptions {
  /** A connected node-redis (4+) or ioredis client. */
  client: RedisClient
  /** Every key is under the hash tag `{prefix}`. Default: `'single-session'`. */
  prefix?: string
  /** How many lines the audit trail keeps; the oldest go first. Default: `100000`. */
  auditMaxLength?: number
}

/** Where the library keeps its records: SQL tables through Sequelize, or Redis. */
export type Backend =
  | { kind: 'sql'; sequelize: Sequelize }
  | { kind: 'redis'; redis: RedisCommands; client: object; prefix: string; auditMaxLength: number }

export interface NormalizedOptions<User> {
  store: Store
  storeDriver: StoreDriver
  backend: Backend
  limit: PerUser<number, User>
  onLimit: OnLimit
  enabled: PerUser<boolean, User>
  logoutAllSessions: boolean
  getUserId: (user: User) => unknown
  sessionKey: string
  tableName: string
  lastSeenInterval: number
  idleTimeout: TimeoutOption<User>
  absoluteTimeout: TimeoutOption<User>
  events: NormalizedEventsOptions
}

const ON_LIMIT_VALUES: readonly OnLimit[] = ['evict-oldest', 'deny-new']

/** Every option name; `satisfies` makes the compiler fail when an option is missing here. */
export const SINGLE_SESSION_OPTION_NAMES = Object.keys({
  store: true,
  storeDriver: true,
  sequelize: true,
  redis: true,
  limit: true,
  onLimit: true,
  enabled: true,
  logoutAllSessions: true,
  getUserId: true,
  sessionKey: true,
  tableName: true,
  lastSeenInterval: true,
  idleTimeout: true,
  absoluteTimeout: true,
  events: true,
} satisfies Record<keyof SingleSessionOptions, true>) as ReadonlyArray<keyof SingleSessionOptions>

/**
 * Session keys that already mean something: express-session's own Session members, Passport's
 * and connect-flash's keys, and the names every object inherits. Marking the session under one
 * of them would be overwritten by, or would break, its owner.
 */
const RESERVED_SESSION_KEYS = new Set([
  'passport',
  'cookie',
  'id',
  'req',
  'regenerate',
  'destroy',
  'reload',
  'save',
  'touch',
  'resetMaxAge',
  'messages',
  'flash',
  'returnTo',
  'prototype',
  ...Object.getOwnPropertyNames(Object.prototype),
])

/** Validates every option once, at creation, and fills in the defaults. */
export function normalizeOptions<User>(
  options: SingleSessionOptions<User>,
): NormalizedOptions<User> {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('options', 'an object', options)
  }
  refuseUnknownOptions(options)
  const limit = options.limit ?? 1
  if (typeof limit !== 'function' && !isValidLimit(limit)) {
    throw invalidOption('limit', 'an integer >= 1 or a function of the user', limit)
  }
  const onLimit = options.onLimit ?? 'evict-oldest'
  if (!ON_LIMIT_VALUES.includes(onLimit)) {
    throw invalidOption(
      'onLimit',
      `one of ${ON_LIMIT_VALUES.map((v) => `'${v}'`).join(', ')}`,
      onLimit,
    )
  }
  const enabled = options.enabled ?? true
  if (typeof enabled !== 'boolean' && typeof enabled !== 'function') {
    throw invalidOption('enabled', 'true, false or a function of the user', enabled)
  }
  const logoutAllSessions = options.logoutAllSessions ?? true
  if (typeof logoutAllSessions !== 'boolean') {
    throw invalidOption('logoutAllSessions', 'true or false', logoutAllSessions)
  }
  const getUserId = options.getUserId ?? ((user: User) => (user as { id?: unknown }).id)
  if (typeof getUserId !== 'function') {
    throw invalidOption('getUserId', 'a function of the user', getUserId)
  }
  const sessionKey = options.sessionKey ?? 'singleSession'
  if (typeof sessionKey !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(sessionKey)) {
    throw invalidOption('sessionKey', 'a property name such as "singleSession"', sessionKey)
  }
  if (RESERVED_SESSION_KEYS.has(sessionKey)) {
    throw invalidOption(
      'sessionKey',
      'a name that express-session, Passport and plain objects do not already use, such as "singleSession"',
      sessionKey,
    )
  }
  const tableName = options.tableName ?? DEFAULT_USER_SESSION_TABLE
  if (typeof tableName !== 'string' || !/^[A-Za-z_][\w]{0,62}$/.test(tableName)) {
    throw invalidOption('tableName', 'a table name of letters, digits and underscores', tableName)
  }
  const lastSeenInterval = options.lastSeenInterval ?? 60_000
  if (typeof lastSeenInterval !== 'number' || !(lastSeenInterval >= 0)) {
    throw invalidOption('lastSeenInterval', 'a number of milliseconds >= 0', lastSeenInterval)
  }

  const idleTimeout = timeoutOption('idleTimeout', options.idleTimeout)
  const absoluteTimeout = timeoutOption('absoluteTimeout', options.absoluteTimeout)

  const store = options.store
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function') {
    throw invalidOption('store', 'the express-session store you pass to session({ store })', store)
  }
  if (options.redis !== undefined && options.sequelize !== undefined) {
    throw new SingleSessionError(
      ErrorCodes.INVALID_OPTION,
      'adminjs-single-session: give `redis` or `sequelize`, not both: the library keeps its records in one place',
    )
  }
  const redis = redisOption(options.redis ?? redisClientOf(store, options.sequelize))
  const storeDriver = options.storeDriver ?? driverFor(store, redis?.redis)
  if (!isDriver(storeDriver)) {
    throw invalidOption(
      'storeDriver',
      'a StoreDriver (see docs/stores.md, "Writing a store driver")',
      storeDriver,
    )
  }
  const backend: Backend = redis ?? { kind: 'sql', sequelize: sqlOption(options, storeDriver) }
  const events = eventsOption(options.events, backend)
  return {
    store,
    storeDriver,
    backend,
    limit,
    onLimit,
    enabled,
    logoutAllSessions,
    getUserId,
    sessionKey,
    tableName,
    lastSeenInterval,
    idleTimeout,
    absoluteTimeout,
    events,
  }
}

const EVENTS_FIELDS = [
  'heartbeatInterval',
  'pollInterval',
  'maxStreamsPerUser',
  'maxStreamsPerProcess',
] as const

/** The event streams' settings; the poll defaults to fast where nothing else carries ends. */
function eventsOption(value: unknown, backend: Backend): NormalizedEventsOptions {
  if (value === undefined) value = {}
  if (typeof value !== 'object' || value === null) {
    throw invalidOption('events', `an object with ${EVENTS_FIELDS.join(', ')}`, value)
  }
  for (const name of Object.keys(value)) {
    if (!(EVENTS_FIELDS as readonly string[]).includes(name)) {
      throw invalidOption('events', `an object with ${EVENTS_FIELDS.join(', ')} only`, name)
    }
  }
  const given = value as EventsOptions
  const notified = backend.kind === 'redis' || backend.sequelize.getDialect() === 'postgres'
  const integer = (name: (typeof EVENTS_FIELDS)[number], fallback: number, min: number) => {
    const field = given[name] ?? fallback
    if (!Number.isSafeInteger(field) || field < min) {
      throw invalidOption(`events.${name}`, `an integer >= ${min}`, field)
    }
    return field
  }
  return {
    heartbeatInterval: integer('heartbeatInterval', 25_000, 1000),
    pollInterval: integer('pollInterval', notified ? 15_000 : 1000, 100),
    maxStreamsPerUser: integer('maxStreamsPerUser', 10, 1),
    maxStreamsPerProcess: integer('maxStreamsPerProcess', 10_000, 1),
  }
}

/** Where the SQL records go: `sequelize`, or the database of a connect-session-sequelize store. */
function sqlOption<User>(options: SingleSessionOptions<User>, driver: StoreDriver): Sequelize {
  const sequelize = options.sequelize ?? sequelizeOf(options.store)
  if (!sequelize || typeof sequelize.define !== 'function') {
    throw invalidOption(
      'sequelize',
      `a Sequelize instance for the library's tables (required with ${driver.name}; the database of your users works), or give \`redis\``,
      sequelize,
    )
  }
  return sequelize
}

/** The Redis backend from the `redis` option (or a connect-redis store's client), or null. */
function redisOption(value: unknown): Extract<Backend, { kind: 'redis' }> | null {
  if (value === undefined || value === null) return null
  const settings = (isRedisClient(value) ? { client: value } : value) as Partial<RedisOptions>
  if (typeof settings !== 'object' || !('client' in settings)) {
    throw invalidOption(
      'redis',
      'a connected node-redis or ioredis client, or { client, prefix, auditMaxLength }',
      typeof value === 'object' ? (value.constructor?.name ?? 'an object') : value,
    )
  }
  for (const name of Object.keys(settings)) {
    if (!['client', 'prefix', 'auditMaxLength'].includes(name)) {
      throw invalidOption('redis', 'an object with client, prefix and auditMaxLength only', name)
    }
  }
  const prefix = settings.prefix ?? DEFAULT_REDIS_PREFIX
  if (typeof prefix !== 'string' || !/^[\w.:-]{1,64}$/.test(prefix)) {
    throw invalidOption('redis.prefix', 'letters, digits and . : _ - (at most 64)', prefix)
  }
  const auditMaxLength = settings.auditMaxLength ?? 100_000
  if (!Number.isSafeInteger(auditMaxLength) || auditMaxLength < 1) {
    throw invalidOption('redis.auditMaxLength', 'an integer >= 1', auditMaxLength)
  }
  return {
    kind: 'redis',
    redis: redisCommands(settings.client, 'redis.client'),
    client: settings.client as object,
    prefix,
    auditMaxLength,
  }
}

/** A misspelt option would silently keep its default: refuse it, naming the nearest one. */
function refuseUnknownOptions(options: object): void {
  const known: readonly string[] = SINGLE_SESSION_OPTION_NAMES
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue
    const nearest = nearestName(name, known)
    throw new SingleSessionError(
      ErrorCodes.INVALID_OPTION,
      `adminjs-single-session: unknown option \`${name}\`` +
        (nearest ? `; did you mean \`${nearest}\`?` : `; the options are ${known.join(', ')}`),
    )
  }
}

function timeoutOption<User>(name: string, value: unknown): TimeoutOption<User> {
  if (value === undefined) return null
  if (typeof value === 'function') return value as TimeoutOption<User>
  if (!isValidTimeout(value)) {
    throw invalidOption(
      name,
      'an integer number of milliseconds > 0, null, or a function of the user',
      value,
    )
  }
  return value
}

const DRIVER_METHODS = [
  'read',
  'insert',
  'update',
  'destroyMany',
  'alive',
  'expiryOf',
  'pruneExpired',
  'marked',
  'createTable',
  'ready',
] as const

function isDriver(value: unknown): value is StoreDriver {
  const driver = value as Record<string, unknown> | null
  return (
    typeof driver === 'object' &&
    driver !== null &&
    typeof driver.name === 'string' &&
    typeof driver.store === 'object' &&
    DRIVER_METHODS.every((method) => typeof driver[method] === 'function')
  )
}
