import type { EndWriter, SessionsEnd } from '../../core/ports/end-writer.js'
import type { SessionStore } from '../../core/ports/store.js'
import { hasJoinedRead, type StoreDriver } from '../../store/driver.js'
import { OrderedEndWriter } from './ordered-end-writer.js'
import { PostgresEndWriter } from './postgres-end-writer.js'
import type { SequelizeJournal } from './sequelize-journal.js'
import type { SequelizeRegistry } from './sequelize-registry.js'

/**
 * The SQL registry's way to end sessions, picked per call from where the store is: in the
 * registry's database, one statement on PostgreSQL and one transaction elsewhere, the store's
 * deletes included; in another place, the registry's transaction first and the store after.
 * Whether the store shares the database is found out once (see the drivers' joinsRegistry()).
 */
export class SqlEndWriter implements EndWriter {
  private readonly apart: OrderedEndWriter
  private readonly together: EndWriter | null

  constructor(
    private readonly driver: StoreDriver,
    registry: SequelizeRegistry,
    journal: SequelizeJournal,
    store: SessionStore,
  ) {
    this.apart = new OrderedEndWriter(registry, journal, store, null)
    if (!hasJoinedRead(driver)) {
      this.together = null
      return
    }
    const ordered = new OrderedEndWriter(registry, journal, store, driver)
    this.together =
      registry.sequelize.getDialect() === 'postgres'
        ? new PostgresEndWriter(registry.sequelize, registry, journal, driver, ordered)
        : ordered
  }

  async write(end: SessionsEnd): Promise<number> {
    return (await this.writer()).write(end)
  }

  async endQuietly(sids: readonly string[]): Promise<number> {
    return (await this.writer()).endQuietly(sids)
  }

  private async writer(): Promise<EndWriter> {
    const driver = this.driver
    if (this.together && hasJoinedRead(driver) && (await driver.joinsRegistry())) {
      return this.together
    }
    return this.apart
  }
}
