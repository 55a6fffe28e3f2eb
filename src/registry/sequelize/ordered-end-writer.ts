import type { Transaction } from 'sequelize'
import type { EndWriter, SessionsEnd } from '../../core/ports/end-writer.js'
import type { SessionStore } from '../../core/ports/store.js'
import type { SequelizeJournal } from './sequelize-journal.js'
import type { SequelizeRegistry } from './sequelize-registry.js'

/** A store whose deletes can join the registry's transaction (it lives in the same database). */
export interface TransactionalStoreDelete {
  destroyMany(sids: readonly string[], transaction?: Transaction): Promise<number>
}

/**
 * The portable way: reasons, then deletes, then audit lines, as one transaction where the
 * database allows it (retried whole on a deadlock), each committed on its own otherwise (SQLite).
 * The store's deletes join the transaction when the store shares the registry's Sequelize
 * instance (`sameDatabase`); any other store deletes on its own, first, so that a failure
 * leaves the sessions whole and nothing reported as done.
 */
export class OrderedEndWriter implements EndWriter {
  constructor(
    private readonly registry: SequelizeRegistry,
    private readonly journal: SequelizeJournal,
    private readonly store: SessionStore,
    private readonly sameDatabase: TransactionalStoreDelete | null,
  ) {}

  write({ endings, sessions, audit }: SessionsEnd): Promise<number> {
    return this.registry.inTransaction('end sessions', async (transaction) => {
      await this.journal.recordEndings(endings, transaction)
      const ids = sessions.map((session) => session.id)
      const current = await this.registry.currentSids(ids, transaction)
      const sids = new Set([...sessions.map((session) => session.sid), ...current])
      await this.destroy([...sids], transaction)
      const removed = await this.registry.removeRecords(ids, transaction)
      await this.journal.audit(audit, transaction)
      return removed
    })
  }

  discard(sids: readonly string[]): Promise<number> {
    if (sids.length === 0) return Promise.resolve(0)
    return this.registry.inTransaction('discard sessions', async (transaction) => {
      await this.destroy(sids, transaction)
      return this.registry.remove(sids, transaction)
    })
  }

  /**
   * In a transaction, the records are locked from the read of their sids on; without one
   * (SQLite) a regenerate in between leaves at most a store row whose record is gone, which is
   * refused on load and pruned.
   */
  private destroy(sids: readonly string[], transaction: Transaction | undefined): Promise<number> {
    return this.sameDatabase
      ? this.sameDatabase.destroyMany(sids, transaction)
      : this.store.destroyMany(sids)
  }
}
