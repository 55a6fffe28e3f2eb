import type { Store } from 'express-session'
import type { Sequelize } from 'sequelize'
import { ErrorCodes, SingleSessionError } from '../../errors.js'
import { isRedisClient, redisCommands, type RedisCommands } from '../../redis/client.js'
import type { StoreDriver } from '../driver.js'
import { isExpressMemoryStore, isLruMemoryStore, MemoryStoreDriver } from './memory.js'
import { isPgSimpleStore, PgSimpleStoreDriver } from './pg-simple.js'
import { ConnectRedisStoreDriver, isConnectRedisStore } from './redis.js'
import { isSequelizeStore, SequelizeStoreDriver } from './sequelize.js'

/**
 * The driver for an express-session store, chosen from the instance. The Sequelize driver is
 * told where the registry is later (`attachRegistry`), once the library's database is known.
 */
export function driverFor(store: Store, redis?: RedisCommands): StoreDriver {
  if (isSequelizeStore(store)) return new SequelizeStoreDriver(store)
  if (isConnectRedisStore(store)) {
    return new ConnectRedisStoreDriver(store, redis ?? connectRedisCommands(store))
  }
  if (isPgSimpleStore(store)) return new PgSimpleStoreDriver(store)
  if (isExpressMemoryStore(store) || isLruMemoryStore(store)) return new MemoryStoreDriver(store)
  throw new SingleSessionError(
    ErrorCodes.UNSUPPORTED_STORE,
    `adminjs-single-session: the session store ${storeName(store)} is not supported. ` +
      'Use connect-pg-simple, connect-redis, connect-session-sequelize or MemoryStore, or pass a `storeDriver` ' +
      '(see docs/stores.md): without one, ended sessions could be written back by ' +
      'requests in flight.',
  )
}

/** The Sequelize instance of a connect-session-sequelize store. */
export function sequelizeOf(store: Store): Sequelize | undefined {
  return isSequelizeStore(store) ? store.sessionModel.sequelize : undefined
}

/** A store's class name for messages. */
export function storeName(store: object): string {
  return store.constructor?.name ?? 'unknown'
}

/**
 * The Redis client of a connect-redis store, where the library's records go by default: only
 * connect-redis 9+ keeps the client as given (7 and 8 wrap it), and only when the app gave no
 * `sequelize` for them.
 */
export function redisClientOf(store: Store, sequelize: unknown): object | undefined {
  if (sequelize !== undefined || !isConnectRedisStore(store)) return undefined
  return isRedisClient(store.client) ? (store.client as object) : undefined
}

/** connect-redis 9+ keeps the client as given; 7 and 8 wrap it, and the wrapper cannot be used. */
function connectRedisCommands(store: Store & { client: unknown }): RedisCommands {
  if (isRedisClient(store.client)) return redisCommands(store.client, 'store')
  throw new SingleSessionError(
    ErrorCodes.INVALID_OPTION,
    'adminjs-single-session: connect-redis 7 and 8 hide their Redis client: pass it as the ' +
      '`redis` option too, e.g. createSingleSession({ store, redis: client })',
  )
}

/**
 * The command line that creates the tables of an app on this driver's store, for MISSING_TABLE;
 * null when the command line cannot reach the store (MemoryStore lives in the app's process; a
 * store driver of the app's own is unknown to it).
 */
export function migrateCommandOf(driver: StoreDriver): string | null {
  const command = 'npx adminjs-single-session migrate'
  if (driver instanceof SequelizeStoreDriver) return command
  if (driver instanceof PgSimpleStoreDriver) return `${command} --store pg-simple`
  if (driver instanceof ConnectRedisStoreDriver) return `${command} --store redis`
  return null
}
