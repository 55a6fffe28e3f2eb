import type { Store } from 'express-session'
import type { Sequelize } from 'sequelize'
import { ErrorCodes, SingleSessionError } from '../../errors.js'
import type { StoreDriver } from '../driver.js'
import { isExpressMemoryStore, isLruMemoryStore, MemoryStoreDriver } from './memory.js'
import { isPgSimpleStore, PgSimpleStoreDriver } from './pg-simple.js'
import { isSequelizeStore, SequelizeStoreDriver } from './sequelize.js'

/**
 * The driver for an express-session store, chosen from the instance. The Sequelize driver is
 * told where the registry is later (`attachRegistry`), once the library's database is known.
 */
export function driverFor(store: Store): StoreDriver {
  if (isSequelizeStore(store)) return new SequelizeStoreDriver(store)
  if (isPgSimpleStore(store)) return new PgSimpleStoreDriver(store)
  if (isExpressMemoryStore(store) || isLruMemoryStore(store)) return new MemoryStoreDriver(store)
  throw new SingleSessionError(
    ErrorCodes.UNSUPPORTED_STORE,
    `adminjs-single-session: the session store ${storeName(store)} is not supported. ` +
      'Use connect-pg-simple, connect-session-sequelize or MemoryStore, or pass a `storeDriver` ' +
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
