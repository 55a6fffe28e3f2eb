import type { Transaction } from 'sequelize'
import type { AuditEntry, SessionEnding, SessionJournal } from '../registry/journal.js'
import type { SessionRegistry } from '../registry/registry.js'
import type { StoreAdapter } from '../store/store-adapter.js'

/** Everything one end of sessions writes. */
export interface SessionsEnd {
  /** Why each session ended, keyed (hashed) by its sid. */
  endings: ReadonlyArray<SessionEnding & { sid: string }>
  /**
   * The sessions to delete from the store and the registry: their records by id, and their
   * store rows under the sid that was read and under the one the record has when it goes.
   */
  sessions: ReadonlyArray<{ id: number; sid: string }>
  /** The audit lines, one per user. */
  audit: readonly AuditEntry[]
}

/**
 * Commits an end of sessions: the reasons, the deletes from the store and the registry, the
 * audit lines. Resolves to how many registry records it removed. How the writes are committed
 * depends on the database; what they leave behind does not.
 */
export interface EndWriter {
  write(end: SessionsEnd): Promise<number>
}

/**
 * The portable way: reasons, then deletes, then audit lines, as one transaction where the
 * database allows it (retried whole on a deadlock), each committed on its own otherwise (SQLite).
 */
export class OrderedEndWriter implements EndWriter {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly storeAdapter: StoreAdapter,
    private readonly journal: SessionJournal,
  ) {}

  write({ endings, sessions, audit }: SessionsEnd): Promise<number> {
    return this.registry.inTransaction('end sessions', async (transaction) => {
      await this.journal.recordEndings(endings, transaction)
      const removed = await removeRecordedSessions(
        this.registry,
        this.storeAdapter,
        sessions,
        transaction,
      )
      await this.journal.audit(audit, transaction)
      return removed
    })
  }
}

/**
 * Ends recorded sessions by record id: the app may have regenerated one since it was read, and
 * its record then names a new sid. The store rows of both sids go, then the records. In a
 * transaction the records are locked from the read of their sids on; without one (SQLite) a
 * regenerate in between leaves at most a store row whose record is gone, which is refused on
 * load and pruned.
 */
export async function removeRecordedSessions(
  registry: SessionRegistry,
  storeAdapter: StoreAdapter,
  sessions: ReadonlyArray<{ id: number; sid: string }>,
  transaction: Transaction | undefined,
): Promise<number> {
  const ids = sessions.map((session) => session.id)
  const current = await registry.currentSids(ids, transaction)
  const sids = new Set([...sessions.map((session) => session.sid), ...current])
  await storeAdapter.destroyMany([...sids], transaction)
  return registry.removeRecords(ids, transaction)
}

/**
 * Deletes sessions from the store, then their records; resolves to how many were recorded.
 * Store first: if that fails, the sessions are still whole and nothing is reported as done.
 */
export async function removeSessions(
  registry: SessionRegistry,
  storeAdapter: StoreAdapter,
  sids: readonly string[],
  transaction: Transaction | undefined,
): Promise<number> {
  await storeAdapter.destroyMany(sids, transaction)
  return registry.remove(sids, transaction)
}
