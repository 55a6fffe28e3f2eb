/**
 * Why a session ended. Stable codes: apps switch on them and show their own sentence.
 * - `signed-in-elsewhere`: evicted by a newer login of the same user (limit reached);
 * - `logged-out-everywhere`: the user signed out with `logoutAllSessions` on;
 * - `logged-out-by-admin`: an administrator (or an operator's command) ended it;
 * - `revoked-by-user`: the user ended it from their list of devices.
 * A refused login (deny mode) is reported as `denied-by-limit`, see SessionEndReason.
 */
export type EndReason =
  'signed-in-elsewhere' | 'logged-out-everywhere' | 'logged-out-by-admin' | 'revoked-by-user'

/** What `endedSession()` can report: an end reason, or a login refused by the limit. */
export type SessionEndReason = EndReason | 'denied-by-limit'

/** Who ended sessions: an admin, the user themself, or the system (policy, command line). */
export interface Actor {
  kind: 'admin' | 'user' | 'system'
  /** The actor's user id, when it is a person. */
  id: string | null
  /** How to show the actor (an email, "cli"); never a secret. */
  label: string | null
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: null, label: null }
