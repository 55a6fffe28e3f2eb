import { TableCheck } from './core/table-check.js'
import { migrate } from './migrations/index.js'
import type { SequelizeJournal } from './registry/sequelize/sequelize-journal.js'
import type { SequelizeRegistry } from './registry/sequelize/sequelize-registry.js'
import type { StoreDriver } from './store/driver.js'
import { migrateCommandOf } from './store/drivers/detect.js'
import { SequelizeStoreDriver } from './store/drivers/sequelize.js'

export const ENDINGS_TABLE = 'session_endings'
export const AUDIT_TABLE = 'session_audit'

/** The tables: created in development (`sync()`), migrated in production, checked at start-up. */
export function schemaOf(
  registry: SequelizeRegistry,
  journal: SequelizeJournal,
  storeDriver: StoreDriver,
  registryTable: string,
) {
  const tables = {
    // The migrations create connect-session-sequelize's table; other stores create their own.
    sessionTable: storeDriver instanceof SequelizeStoreDriver ? storeDriver.tableName : null,
    registryTable,
    endingsTable: ENDINGS_TABLE,
    auditTable: AUDIT_TABLE,
  }
  // The store may live in another database than the library's tables: ask each its own.
  const tableCheck = new TableCheck(
    async () => [
      ...((await storeDriver.ready()) ? [] : [storeDriver.tableName ?? storeDriver.name]),
      ...(await registry.missingTables([registryTable, ENDINGS_TABLE, AUDIT_TABLE])),
    ],
    migrateCommandOf(storeDriver),
  )
  return {
    tableCheck,
    sync: async (): Promise<void> => {
      await storeDriver.createTable()
      await registry.model.sync()
      await journal.Ending.sync()
      await journal.Audit.sync()
    },
    migrate: async (): Promise<string[]> => {
      if (tables.sessionTable === null) await storeDriver.createTable()
      return migrate(registry.sequelize, tables)
    },
    ready: () => tableCheck.assertReady(),
  }
}
