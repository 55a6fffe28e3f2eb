import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import type { EndWriter, SessionsEnd } from '../../core/end-writer.js'
import { withRetry } from './retry.js'
import { BATCH_SIZE, type SequelizeRegistry } from './sequelize-registry.js'
import type { SequelizeJournal } from './sequelize-journal.js'
import { inTransaction } from './transaction.js'

/** The store's side of the statement: its DELETE (the store lives in the same database). */
export interface StoreDeleteStatement {
  deleteStatement(sids: readonly string[]): string
}

/**
 * PostgreSQL: an end of sessions as a single statement. The reasons and the audit lines are
 * inserted, and the store rows deleted, by data-modifying WITH clauses; the statement itself
 * deletes the records. One statement is atomic without a transaction and costs one round trip
 * instead of six (BEGIN, four writes, COMMIT). A larger end is one statement per batch of
 * users, in one transaction.
 */
export class PostgresEndWriter implements EndWriter {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly registry: SequelizeRegistry,
    private readonly journal: SequelizeJournal,
    private readonly store: StoreDeleteStatement,
  ) {}

  async write(end: SessionsEnd): Promise<number> {
    const batches = batchesOfUsers(end)
    if (batches.length === 1) {
      return withRetry('end sessions', () => this.writeBatch(batches[0]!, undefined))
    }
    return inTransaction(this.sequelize, 'end sessions', async (transaction) => {
      let removed = 0
      for (const batch of batches) removed += await this.writeBatch(batch, transaction)
      return removed
    })
  }

  private writeBatch(batch: SessionsEnd, transaction: Transaction | undefined): Promise<number> {
    const inserts = this.journal.insertStatements(batch.endings, batch.audit)
    const sql =
      `WITH reasons AS (${inserts.endings}), audit AS (${inserts.audit}),` +
      ` sessions AS (${this.store.deleteStatement(batch.sids)})` +
      ` ${this.registry.deleteStatement(batch.sids)}`
    return this.sequelize.query(sql, { type: QueryTypes.BULKDELETE, transaction })
  }
}

/**
 * Splits an end into batches of whole users (a user's audit line names all their sessions) of
 * about BATCH_SIZE sessions each; a user with more sessions than that is a batch alone.
 */
function batchesOfUsers(end: SessionsEnd): SessionsEnd[] {
  const endingsOf = new Map<string, Array<SessionsEnd['endings'][number]>>()
  for (const ending of end.endings) {
    const list = endingsOf.get(ending.userId)
    if (list) list.push(ending)
    else endingsOf.set(ending.userId, [ending])
  }
  const batches: SessionsEnd[] = []
  let current: {
    endings: Array<SessionsEnd['endings'][number]>
    audit: SessionsEnd['audit'][number][]
  } = { endings: [], audit: [] }
  for (const line of end.audit) {
    const endings = endingsOf.get(line.userId) ?? []
    if (current.audit.length > 0 && current.endings.length + endings.length > BATCH_SIZE) {
      batches.push({ ...current, sids: current.endings.map((e) => e.sid) })
      current = { endings: [], audit: [] }
    }
    current.endings.push(...endings)
    current.audit.push(line)
  }
  batches.push({ ...current, sids: current.endings.map((e) => e.sid) })
  return batches
}
