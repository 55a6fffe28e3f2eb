import type { Actor, SessionEndReason } from '../ending.js'
import type { PageQuery, StorageLocation, TimeRange } from './registry.js'

/** Why one session ended, kept so that its next request can tell the user. */
export interface SessionEnding {
  reason: SessionEndReason
  userId: string
  endedAt: Date
  /** The ended session's own expiry: the record is useless, and deleted, after it. */
  expiresAt: Date
  actor: Actor
  /** For `signed-in-elsewhere`: the device of the session that replaced this one. */
  newDevice: string | null
}

/** One line of the audit trail: something ended sessions of one user (or refused a login). */
export interface AuditEntry {
  at: Date
  userId: string
  event: SessionEndReason
  /** How many sessions ended (0 for a denied login). */
  sessions: number
  /** Short, non-reversible references of the ended sessions (never the session ids). */
  sessionRefs: string[]
  actor: Actor
  detail: string | null
}

/** A line of the audit trail as kept, with its id. */
export interface AuditRecord extends AuditEntry {
  id: number
}

/** Which audit lines a page or count covers: every given condition holds (none given: all). */
export interface AuditFilter {
  id?: number
  userId?: string
  event?: string
  actorKind?: string
  actorId?: string
  at?: TimeRange
}

export const AUDIT_SORT_KEYS = [
  'id',
  'at',
  'userId',
  'event',
  'sessions',
  'actorKind',
  'actorId',
  'actorLabel',
  'detail',
] as const
export type AuditSortKey = (typeof AUDIT_SORT_KEYS)[number]

/**
 * The records that outlive a session: why it ended (for its owner) and the audit trail (for
 * admins). Session ids are only ever stored hashed here.
 */
export interface SessionJournal {
  recordEndings(endings: ReadonlyArray<SessionEnding & { sid: string }>): Promise<void>
  findEnding(sid: string): Promise<SessionEnding | null>
  /**
   * findEnding() for many sessions in one round trip: the live endings by sid (a session with
   * none is left out). Optional: without it, callers look each session up on its own.
   */
  findEndings?(sids: readonly string[]): Promise<Map<string, SessionEnding>>
  audit(entries: readonly AuditEntry[]): Promise<void>
  /** Deletes ending records whose session would have expired anyway. */
  pruneEndings(): Promise<number>
  /** One page of the audit trail, for an admin's listing. */
  auditPage(query: PageQuery<AuditFilter, AuditSortKey>): Promise<AuditRecord[]>
  /** How many audit lines match. */
  countAudit(filter: AuditFilter): Promise<number>
  /** The audit lines with these ids (ids that match none are left out). */
  auditByIds(ids: readonly number[]): Promise<AuditRecord[]>
  /** Where the records are kept, when the journal can say. */
  location?(): StorageLocation
}
