import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import type { EndWriter, SessionsEnd } from '../../core/ports/end-writer.js'
import type { AuditEntry } from '../../core/ports/journal.js'
import type { OrderedEndWriter } from './ordered-end-writer.js'
import { withRetry } from './retry.js'
import { BATCH_SIZE, type SequelizeRegistry } from './sequelize-registry.js'
import type { SequelizeJournal } from './sequelize-journal.js'
import { inTransaction } from './transaction.js'

/** The store's side of the statement: its DELETE (the store lives in the same database). */
export interface StoreDeleteStatement {
  /** Deletes these sids and those the WITH clause `alsoSidsOf` returns. */
  deleteStatement(sids: readonly string[], alsoSidsOf: string): string
}

/**
 * PostgreSQL: an end of sessions as a single statement. The records are deleted by id (a
 * regenerate may have given one a new sid since it was read), the reasons and the audit lines
 * inserted, and the store rows of the sids read and of the sids the records had deleted, by
 * data-modifying WITH clauses; the statement counts the records. One statement is atomic without a transaction and costs one round trip
 * instead of six (BEGIN, four writes, COMMIT). A larger end is one statement per batch of
 * users, in one transaction.
 */
export class PostgresEndWriter implements EndWriter {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly registry: SequelizeRegistry,
    private readonly journal: SequelizeJournal,
    private readonly store: StoreDeleteStatement,
    /** Quiet ends are small and rare: the ordered writer does them. */
    private readonly ordered: OrderedEndWriter,
  ) {}

  endQuietly(sids: readonly string[]): Promise<number> {
    return this.ordered.endQuietly(sids)
  }

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

  private async writeBatch(
    batch: SessionsEnd,
    transaction: Transaction | undefined,
  ): Promise<number> {
    const inserts = this.journal.insertStatements(batch.endings, batch.audit)
    const ids = batch.sessions.map((session) => session.id)
    const sids = batch.sessions.map((session) => session.sid)
    const sql =
      `WITH reasons AS (${inserts.endings}), audit AS (${inserts.audit}),` +
      ` records AS (${this.registry.deleteByIdsReturningSids(ids)}),` +
      ` sessions AS (${this.store.deleteStatement(sids, 'records')})` +
      ` SELECT COUNT(*) AS removed FROM records`
    const [row] = await this.sequelize.query<{ removed: unknown }>(sql, {
      type: QueryTypes.SELECT,
      transaction,
    })
    return Number(row?.removed ?? 0)
  }
}

/**
 * Splits an end into batches of whole users (a user's audit line names all their sessions) of
 * about BATCH_SIZE sessions each; a user with more sessions than that is a batch alone.
 */
function batchesOfUsers(end: SessionsEnd): SessionsEnd[] {
  const endingsOf = new Map<string, Ending[]>()
  for (const ending of end.endings) {
    const userEndings = endingsOf.get(ending.userId)
    if (userEndings) userEndings.push(ending)
    else endingsOf.set(ending.userId, [ending])
  }
  const batches: SessionsEnd[] = []
  let endings: Ending[] = []
  let audit: AuditEntry[] = []
  const idOf = new Map(end.sessions.map((session) => [session.sid, session.id]))
  const close = () =>
    batches.push({
      endings,
      audit,
      sessions: endings.map((ending) => ({ id: idOf.get(ending.sid)!, sid: ending.sid })),
    })
  for (const line of end.audit) {
    const userEndings = endingsOf.get(line.userId) ?? []
    if (audit.length > 0 && endings.length + userEndings.length > BATCH_SIZE) {
      close()
      endings = []
      audit = []
    }
    endings.push(...userEndings)
    audit.push(line)
  }
  close()
  return batches
}

type Ending = SessionsEnd['endings'][number]
