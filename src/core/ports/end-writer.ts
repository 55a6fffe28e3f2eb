import type { AuditEntry, SessionEnding } from './journal.js'

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
 * Commits the ends of sessions. Implemented by each registry backend, which owns its atomicity
 * (a transaction, one statement, one script); what the writes leave behind does not depend on it.
 */
export interface EndWriter {
  /**
   * The reasons, the deletes from the store and the registry, the audit lines. Resolves to how
   * many registry records it removed.
   */
  write(end: SessionsEnd): Promise<number>
  /**
   * Deletes sessions that end without a reason or an audit line (a failed login, a logout of
   * one session) from the store, then from the registry; resolves to how many were recorded.
   */
  endQuietly(sids: readonly string[]): Promise<number>
}
