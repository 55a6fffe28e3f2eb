import type { Transaction } from 'sequelize'

/** One recorded session: who it belongs to and what the user would recognise it by. */
export interface SessionRecord {
  /** A public, non-secret id for the record (safe to put in URLs, unlike the sid). */
  id: number
  sid: string
  userId: string
  createdAt: Date
  lastSeenAt: Date
  expiresAt: Date
  ip: string | null
  userAgent: string | null
  /** The session's idle timeout in ms, fixed at login; null when off. */
  idleTimeout: number | null
  /** The session's absolute timeout in ms, fixed at login; null when off. */
  absoluteTimeout: number | null
  /** When the session times out unless a request comes first; null when it never does. */
  timesOutAt: Date | null
}

export type NewSessionRecord = Omit<SessionRecord, 'lastSeenAt' | 'id'>

/** Where a session lives and whose it is: what a bulk logout needs to know. */
export interface SessionOwner {
  /** The record's id: it stays when the app regenerates the session and the sid changes. */
  id: number
  sid: string
  userId: string
  expiresAt: Date
}

/**
 * The registry of logged-in sessions. It knows which sessions belong to which user and in what
 * order they were created; it never touches the session store itself (the store adapter does).
 *
 * The Sequelize implementation keeps one row per session. A Redis one can implement the same
 * contract (a sorted set per user, ignoring the transaction); nothing outside `registry/`
 * depends on SQL.
 */
export interface SessionRegistry {
  /** Records a session (evict mode, or a user who is not limited). */
  add(record: NewSessionRecord): Promise<void>
  /**
   * Records a session unless the user already has `limit` records, however they were recorded
   * (deny mode). Returns false at the limit: concurrent logins of one user, in any number of
   * processes, never leave more than `limit` records.
   */
  addWithinLimit(record: NewSessionRecord, limit: number): Promise<boolean>
  /** The user's sessions beyond the newest `keep`, in a fixed total order. */
  overflow(userId: string, keep: number): Promise<SessionOwner[]>
  /** Every recorded session of these users. */
  sessionsOf(userIds: readonly string[]): Promise<SessionOwner[]>
  /** A user's sessions, newest first. */
  list(userId: string): Promise<SessionRecord[]>
  /** The owner of one session, or null when it is not recorded. */
  find(sid: string): Promise<SessionRecord | null>
  /** One session of this user by its public id, or null when there is none. */
  findOwned(userId: string, id: number): Promise<SessionRecord | null>
  /** Forgets these sessions; returns how many were recorded. */
  remove(sids: readonly string[], transaction?: Transaction): Promise<number>
  /**
   * The sids these records have now (a regenerate may have moved one since it was read). In a
   * transaction the records stay locked until it ends, so that no regenerate moves them again.
   */
  currentSids(ids: readonly number[], transaction?: Transaction): Promise<string[]>
  /** Forgets these records by id, whatever sid they have now; returns how many there were. */
  removeRecords(ids: readonly number[], transaction?: Transaction): Promise<number>
  /**
   * Moves a record to a new session id (the app regenerated the session), counting the
   * regenerate as a request: last-seen and the time-out move forward.
   */
  rename(oldSid: string, newSid: string, expiresAt: Date): Promise<boolean>
  /** Updates last-seen, expiry and when the session times out. */
  touch(sid: string, seenAt: Date, expiresAt: Date, timesOutAt: Date | null): Promise<void>
  /** Sessions whose time-out has passed, oldest deadline first, at most `limit`. */
  timedOut(now: Date, limit: number): Promise<SessionRecord[]>
  /**
   * Claims a timed-out session for ending: true for exactly one caller when several processes
   * find it at once (the others must not end it again, or the audit trail would say it twice).
   */
  claimTimedOut(record: SessionRecord): Promise<boolean>
  /** Gives a claim back when ending the session failed, so that a later run can end it. */
  releaseClaim(record: SessionRecord): Promise<void>
  /**
   * Runs `work` so that its writes commit together where the database allows it, retrying it
   * whole on a deadlock; `work` passes the transaction (undefined when there is none) on to
   * every write, one at a time.
   */
  inTransaction<T>(
    what: string,
    work: (transaction: Transaction | undefined) => Promise<T>,
  ): Promise<T>
  /**
   * The tables among `names` that do not exist in the registry's database. A failure to ask (the
   * database is down) rejects instead.
   */
  missingTables(names: readonly string[]): Promise<string[]>
}
