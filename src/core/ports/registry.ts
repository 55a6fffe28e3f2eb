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

/** An inclusive time range; a missing end is open. */
export interface TimeRange {
  from?: Date
  to?: Date
}

/** Which records a page or count covers: every given condition holds (none given: all). */
export interface SessionFilter {
  /** The record's public id. */
  id?: number
  /** The owner, exactly. */
  userId?: string
  /** Part of the IP. */
  ip?: string
  /** Part of the User-Agent. */
  userAgent?: string
  createdAt?: TimeRange
  lastSeenAt?: TimeRange
  expiresAt?: TimeRange
  timesOutAt?: TimeRange
}

export const SESSION_SORT_KEYS = [
  'id',
  'userId',
  'ip',
  'userAgent',
  'createdAt',
  'lastSeenAt',
  'expiresAt',
  'timesOutAt',
] as const
export type SessionSortKey = (typeof SESSION_SORT_KEYS)[number]

/** A page of records, for a listing: ties in the sort key are broken by id, the same way. */
export interface PageQuery<Filter, Key extends string> {
  filter: Filter
  sort: { by: Key; direction: 'asc' | 'desc' }
  offset: number
  limit: number
}

/** Where records are kept, as a listing groups them: the database's name and kind. */
export interface StorageLocation {
  name: string
  type: string
}

/**
 * The registry of logged-in sessions: the authority on which sessions are live. It knows which
 * sessions belong to which user and in what order they were created; it never touches the
 * session store itself (the store adapter does). Each implementation owns its atomicity: no
 * transaction crosses this interface.
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
  /**
   * Records a session, then returns the user's sessions beyond the newest `keep` (evict mode):
   * `add()` then `overflow()`, or one atomic step where the backend has one.
   */
  addKeepingNewest(record: NewSessionRecord, keep: number): Promise<SessionOwner[]>
  /** The user's sessions beyond the newest `keep`, in a fixed total order. */
  overflow(userId: string, keep: number): Promise<SessionOwner[]>
  /** How many sessions each of these users has recorded (users with none are left out). */
  countByUser(userIds: readonly string[]): Promise<Map<string, number>>
  /** Every recorded session of these users. */
  sessionsOf(userIds: readonly string[]): Promise<SessionOwner[]>
  /** A user's sessions, newest first. */
  list(userId: string): Promise<SessionRecord[]>
  /** The owner of one session, or null when it is not recorded. */
  find(sid: string): Promise<SessionRecord | null>
  /** One session of this user by its public id, or null when there is none. */
  findOwned(userId: string, id: number): Promise<SessionRecord | null>
  /** Forgets these sessions; returns how many were recorded. */
  remove(sids: readonly string[]): Promise<number>
  /** The subset of these sids that are recorded (live, as far as the registry knows). */
  recorded(sids: readonly string[]): Promise<Set<string>>
  /**
   * Records not seen since `before`, oldest id first, after the record id `afterId`: what pruning
   * checks against the store.
   */
  seenBefore(before: Date, afterId: number, limit: number): Promise<SessionOwner[]>
  /** Forgets these records by id, whatever sid they have now; returns how many there were. */
  removeRecords(ids: readonly number[]): Promise<number>
  /**
   * Forgets those of these records still not seen since `before` (a regenerate or a request
   * since they were read keeps them); returns how many.
   */
  removeStale(ids: readonly number[], before: Date): Promise<number>
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
  /** One page of every recorded session, for an admin's listing. */
  page(query: PageQuery<SessionFilter, SessionSortKey>): Promise<SessionRecord[]>
  /** How many recorded sessions match. */
  count(filter: SessionFilter): Promise<number>
  /** The recorded sessions with these public ids (ids that match none are left out). */
  findByIds(ids: readonly number[]): Promise<SessionRecord[]>
  /** Where the records are kept, when the registry can say. */
  location?(): StorageLocation
  /**
   * The tables among `names` that do not exist in the registry's database. A failure to ask (the
   * database is down) rejects instead.
   */
  missingTables(names: readonly string[]): Promise<string[]>
}
