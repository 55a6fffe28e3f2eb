import type { Request, RequestHandler } from 'express'
import type { Device } from './core/device.js'
import type { Actor, SessionEndReason } from './core/ending.js'
import type { SingleSessionEventName, SingleSessionEvents } from './core/events.js'
import type { SessionJournal } from './core/ports/journal.js'
import type { SessionRecord, SessionRegistry } from './core/ports/registry.js'
import type { LogoutReport, SessionControl } from './core/session-control.js'
import type { EventsScriptOptions } from './express/events-script.js'
import type { PassportAuthenticator } from './express/passport.js'
import type { NormalizedOptions } from './options.js'

export interface LoginResult {
  /** The new session id. */
  sid: string
  /** The normalized user id. */
  userId: string
  /** How many sessions of this user the login signed out (evict mode). */
  evicted: number
}

export interface LogoutResult {
  /** Sessions ended, this one included. */
  sessions: number
}

/** Why the session this request's cookie named has ended. */
export interface SessionEndingInfo {
  reason: SessionEndReason
  endedAt: Date
  /** Who ended it: the user (another login, another device), an admin, or the system. */
  actor: Actor
  /** For `signed-in-elsewhere`: the device of the new login, e.g. "Firefox on Windows". */
  newDevice: string | null
}

/** One of the signed-in user's sessions, as a devices page shows it. */
export interface DeviceSession {
  /** Public id of the session (not the session id), for `endDevice()`. */
  id: number
  device: Device
  ip: string | null
  createdAt: Date
  lastSeenAt: Date
  expiresAt: Date
  /**
   * When the session times out (idle or absolute timeout) unless a request comes first; null
   * when it has no timeout. Precise to `min(lastSeenInterval, idleTimeout / 2)`.
   */
  timesOutAt: Date | null
  /** Whether this is the session of the request that asked. */
  current: boolean
}

export type { LogoutReport }

export interface SingleSession<User = Record<string, unknown>> {
  readonly options: Readonly<NormalizedOptions<User>>
  readonly control: SessionControl
  readonly registry: SessionRegistry
  readonly journal: SessionJournal
  /**
   * Signs `user` in on this request, once your code has authenticated them: regenerates the
   * session id, records the session and applies the limit. Set your own session data after it
   * resolves (regenerating empties the session). In deny mode it rejects with a
   * SessionLimitError and leaves the request anonymous.
   *
   * `regenerate: false` is for integrations whose own login has just regenerated the session
   * (Passport does): the session keeps its id.
   */
  login(req: Request, user: User, options?: { regenerate?: boolean }): Promise<LoginResult>
  /**
   * Signs the request's user out: this session, and all their others when `logoutAllSessions`
   * is on. The session is destroyed; the request is anonymous afterwards.
   *
   * `destroy: false` ends the sessions in the store and unmarks `req.session` but leaves the
   * session object to the caller (Passport regenerates it itself).
   */
  logout(req: Request, options?: { destroy?: boolean }): Promise<LogoutResult>
  /**
   * Ends every session of these users (ids as numbers or strings) and reports it per user.
   * `actor` says who did it (default: the system), for the audit trail.
   */
  logoutUsers(userIds: readonly unknown[], options?: { actor?: Actor }): Promise<LogoutReport>
  /** Ends one session by id (an admin or operator action); resolves to whether it was recorded. */
  endSession(sid: string, options?: { actor?: Actor }): Promise<boolean>
  /** A user's recorded sessions, newest first. */
  listSessions(userId: unknown): Promise<SessionRecord[]>
  /** The id of the user signed in on this request through `login()`, or null. */
  userIdOf(req: Request): string | null
  /**
   * Why the session named by this request's cookie ended, when the library ended it (or
   * refused the login). Null for a request that is signed in, has no cookie, or whose session
   * simply expired. Costs one indexed lookup, and only for a cookie that names a dead session.
   */
  endedSession(req: Request): Promise<SessionEndingInfo | null>
  /** The signed-in user's sessions, newest first, the current one marked. Empty when anonymous. */
  listDevices(req: Request): Promise<DeviceSession[]>
  /** Ends one of the signed-in user's own sessions by its public id; false if it is not theirs. */
  endDevice(req: Request, id: number): Promise<boolean>
  /** Ends all the signed-in user's sessions but the current one; resolves to how many. */
  logoutOtherDevices(req: Request): Promise<number>
  /** Listens to login, login-denied and sessions-ended events. */
  on<E extends SingleSessionEventName>(
    event: E,
    listener: (payload: SingleSessionEvents[E]) => unknown,
  ): void
  off<E extends SingleSessionEventName>(
    event: E,
    listener: (payload: SingleSessionEvents[E]) => unknown,
  ): void
  /**
   * Mount after express-session: keeps last-seen current (at most one write per interval).
   * Requests that accept `text/event-stream` are left alone: an open stream keeps nothing alive.
   */
  middleware(): RequestHandler
  /**
   * A server-sent events endpoint (mount it on a GET route after express-session): a signed-in
   * browser gets `event: session-ended` with `data: {"reason": ...}` as soon as its session
   * ends, however and wherever it ended; anonymous requests get 401. See docs/events.md.
   */
  eventsHandler(): RequestHandler
  /**
   * Serves the browser script that watches the stream (EVENTS_SCRIPT). With `url` and
   * `redirectTo`, the script starts watching as it loads and goes there when the session ends.
   */
  eventsScript(options?: EventsScriptOptions): RequestHandler
  /** Closes every open event stream of this process and stops listening (for a shutdown). */
  closeEvents(): Promise<void>
  /** How many event streams are open on this process, and for how many sessions. */
  eventsStats(): { streams: number; sessions: number }
  /** Development: creates missing tables (the store's and the library's). */
  sync(): Promise<void>
  /** Production: applies the library's pending migrations; resolves to their names. */
  migrate(): Promise<string[]>
  /** Throws MISSING_TABLE unless every table exists. Call it at start-up. */
  ready(): Promise<void>
  /**
   * Ends timed-out sessions (`timedOut`, recorded and audited like any other end), deletes
   * expired sessions, signed-in sessions left without a record (after a grace period), records
   * whose session is gone and stale ending records.
   */
  prune(): Promise<{
    sessions: number
    unrecorded: number
    records: number
    endings: number
    timedOut: number
  }>
  /**
   * Routes Passport's `req.login()` / `req.logout()` (and `passport.authenticate()`) through
   * `login()` and `logout()`: call it once with the `passport` module or a `new Passport()`.
   * Passport 0.6 and 0.7. A refused login (deny mode) fails Passport's login with the
   * SessionLimitError and leaves the request anonymous. See installPassport().
   */
  passport(authenticator: PassportAuthenticator): void
}
