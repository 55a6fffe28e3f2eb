import { QueryTypes, type Sequelize } from 'sequelize'
import type { EndWriter, SessionsEnd } from '../../core/end-writer.js'
import { withRetry } from './retry.js'
import { BATCH_SIZE, type SequelizeRegistry } from './sequelize-registry.js'
import type { SequelizeJournal } from './sequelize-journal.js'

/** The store's side of the statement: its DELETE, when it lives in the same database. */
export interface StoreDeleteStatement {
  deleteStatement(sids: readonly string[], sequelize: Sequelize): string | null
}

/**
 * PostgreSQL: an end of sessions as a single statement. The reasons and the audit lines are
 * inserted, and the store rows deleted, by data-modifying WITH clauses; the statement itself
 * deletes the records. One statement is atomic without a transaction and costs one round trip
 * instead of six (BEGIN, four writes, COMMIT). Ends larger than one batch, and stores outside
 * the library's database, go through `fallback`.
 */
export class PostgresEndWriter implements EndWriter {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly registry: SequelizeRegistry,
    private readonly journal: SequelizeJournal,
    private readonly store: StoreDeleteStatement,
    private readonly fallback: EndWriter,
  ) {}

  async write(end: SessionsEnd): Promise<number> {
    const storeDelete = this.store.deleteStatement(end.sids, this.sequelize)
    const fits = (items: readonly unknown[]) => items.length > 0 && items.length <= BATCH_SIZE
    if (!storeDelete || !fits(end.sids) || !fits(end.endings) || !fits(end.audit)) {
      return this.fallback.write(end)
    }
    const inserts = this.journal.insertStatements(end.endings, end.audit)
    const sql =
      `WITH reasons AS (${inserts.endings}), audit AS (${inserts.audit}),` +
      ` sessions AS (${storeDelete}) ${this.registry.deleteStatement(end.sids)}`
    return withRetry('end sessions', () =>
      this.sequelize.query(sql, { type: QueryTypes.BULKDELETE }),
    )
  }
}
