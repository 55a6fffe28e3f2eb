import type { Actor, SessionEndReason } from '../ending.js'

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

/**
 * The records that outlive a session: why it ended (for its owner) and the audit trail (for
 * admins). Session ids are only ever stored hashed here.
 */
export interface SessionJournal {
  recordEndings(endings: ReadonlyArray<SessionEnding & { sid: string }>): Promise<void>
  findEnding(sid: string): Promise<SessionEnding | null>
  audit(entries: readonly AuditEntry[]): Promise<void>
  /** Deletes ending records whose session would have expired anyway. */
  pruneEndings(): Promise<number>
}
