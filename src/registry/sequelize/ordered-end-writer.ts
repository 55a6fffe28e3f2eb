import type { Transaction } from 'sequelize'
import { log } from '../../log.js'
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
 *
 * A store that shares the registry's Sequelize instance (`sameDatabase`) deletes inside that
 * transaction. Any other store cannot join it, so the registry, the authority on which sessions
 * are live, commits the end first and the store's deletes follow: should they fail, the end
 * has still happened (a signed-in session without a record is refused on load) and the rows
 * left behind are pruned.
 */
export class OrderedEndWriter implements EndWriter {
  constructor(
    private readonly registry: SequelizeRegistry,
    private readonly journal: SequelizeJournal,
    private readonly store: SessionStore,
    private readonly sameDatabase: TransactionalStoreDelete | null,
  ) {}

  /**
   * In a transaction, the records are locked from the read of their sids on; without one
   * (SQLite) a regenerate in between leaves at most a store row whose record is gone, which is
   * refused on load and pruned.
   */
  async write({ endings, sessions, audit }: SessionsEnd): Promise<number> {
    const ids = sessions.map((session) => session.id)
    const { removed, sids } = await this.registry.inTransaction(
      'end sessions',
      async (transaction) => {
        await this.journal.recordEndings(endings, transaction)
        const current = await this.registry.currentSids(ids, transaction)
        const sids = [...new Set([...sessions.map((session) => session.sid), ...current])]
        if (this.sameDatabase) await this.sameDatabase.destroyMany(sids, transaction)
        const removed = await this.registry.removeRecords(ids, transaction)
        await this.journal.audit(audit, transaction)
        return { removed, sids }
      },
    )
    if (!this.sameDatabase) await this.destroyAfterwards(sids)
    return removed
  }

  async endQuietly(sids: readonly string[]): Promise<number> {
    if (sids.length === 0) return 0
    if (!this.sameDatabase) {
      const removed = await this.registry.remove(sids)
      await this.destroyAfterwards(sids)
      return removed
    }
    const store = this.sameDatabase
    return this.registry.inTransaction('end sessions quietly', async (transaction) => {
      await store.destroyMany(sids, transaction)
      return this.registry.remove(sids, transaction)
    })
  }

  /** The registry has ended these sessions: their store rows are only left-overs now. */
  private async destroyAfterwards(sids: readonly string[]): Promise<void> {
    try {
      await this.store.destroyMany(sids)
    } catch (error) {
      log(
        'ended %d session(s); deleting them from the store failed, pruning will: %O',
        sids.length,
        error,
      )
    }
  }
}
