/**
 * Why a session ended. Stable codes: apps switch on them and show their own sentence.
 * - `signed-in-elsewhere`: evicted by a newer login of the same user (limit reached);
 * - `logged-out-everywhere`: the user signed out with `logoutAllSessions` on;
 * - `logged-out-by-admin`: an administrator (or an operator's command) ended it;
 * - `revoked-by-user`: the user ended it from their list of devices;
 * - `idle-timeout`: no request came for longer than `idleTimeout`;
 * - `absolute-timeout`: it was older than `absoluteTimeout` since its login.
 * A refused login (deny mode) is reported as `denied-by-limit`, see SessionEndReason.
 */
export const END_REASONS = [
  'signed-in-elsewhere',
  'logged-out-everywhere',
  'logged-out-by-admin',
  'revoked-by-user',
  'idle-timeout',
  'absolute-timeout',
] as const
export type EndReason = (typeof END_REASONS)[number]

/** What `endedSession()` can report: an end reason, or a login refused by the limit. */
export const SESSION_END_REASONS = [...END_REASONS, 'denied-by-limit'] as const
export type SessionEndReason = (typeof SESSION_END_REASONS)[number]

export const ACTOR_KINDS = ['admin', 'user', 'system'] as const

/** Who ended sessions: an admin, the user themself, or the system (policy, command line). */
export interface Actor {
  kind: (typeof ACTOR_KINDS)[number]
  /** The actor's user id, when it is a person. */
  id: string | null
  /** How to show the actor (an email, "cli"); never a secret. */
  label: string | null
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: null, label: null }
