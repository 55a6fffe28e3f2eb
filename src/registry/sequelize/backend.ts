import type { Sequelize } from 'sequelize'
import type { SessionStore } from '../../core/ports/store.js'
import { AUDIT_TABLE, ENDINGS_TABLE, schemaOf } from '../../schema.js'
import { hasJoinedRead, type StoreDriver } from '../../store/driver.js'
import type { RecordsBackend } from '../backend.js'
import { SqlEndWriter } from './end-writers.js'
import { PostgresNotices } from './postgres-notices.js'
import { SequelizeJournal } from './sequelize-journal.js'
import { SequelizeRegistry } from './sequelize-registry.js'

/** The registry, reasons and audit trail in SQL tables, through Sequelize. */
export function sqlBackend(
  sequelize: Sequelize,
  tableName: string,
  driver: StoreDriver,
  store: SessionStore,
): RecordsBackend {
  if (hasJoinedRead(driver)) driver.attachRegistry(sequelize, tableName)
  const registry = new SequelizeRegistry(sequelize, tableName)
  const journal = new SequelizeJournal(sequelize, { endings: ENDINGS_TABLE, audit: AUDIT_TABLE })
  return {
    registry,
    journal,
    endWriter: new SqlEndWriter(driver, registry, journal, store),
    // MariaDB and SQLite have no notification channel: their event streams poll.
    notices: sequelize.getDialect() === 'postgres' ? new PostgresNotices(sequelize) : null,
    schema: schemaOf(registry, journal, driver, tableName),
    lookupAlongside: false,
  }
}
