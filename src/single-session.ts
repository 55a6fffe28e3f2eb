import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { describeDevice, type Device } from './core/device.js'
import { SYSTEM_ACTOR, type Actor, type SessionEndReason } from './core/ending.js'
import type { EndWriter } from './core/ports/end-writer.js'
import type { SessionRecord } from './core/ports/registry.js'
import {
  SessionEvents,
  type SingleSessionEventName,
  type SingleSessionEvents,
} from './core/events.js'
import { ruleForLogin } from './core/policy.js'
import { TableCheck } from './core/table-check.js'
import {
  lastSeenThrottle,
  timeoutReason,
  timeoutsFor,
  timesOutAt,
  type TimeoutReason,
} from './core/timeouts.js'
import { SessionControl, type LogoutReport } from './core/session-control.js'
import { normalizeUserId, normalizeUserIds } from './core/user-id.js'
import { ErrorCodes, SessionLimitError, isSingleSessionError } from './errors.js'
import { clientIp } from './express/client-ip.js'
import { readMarker, type SessionMarker } from './express/marker.js'
import { installPassport, type PassportAuthenticator } from './express/passport.js'
import { passportNotInstalledError, signedInByPassport } from './express/passport-check.js'
import {
  destroySession,
  regenerateSession,
  requireSession,
  saveSession,
  type SessionRequest,
} from './express/session-io.js'
import { log } from './log.js'
import { migrate } from './migrations/index.js'
import { normalizeOptions, type NormalizedOptions, type SingleSessionOptions } from './options.js'
import { OrderedEndWriter } from './registry/sequelize/ordered-end-writer.js'
import { PostgresEndWriter } from './registry/sequelize/postgres-end-writer.js'
import { SequelizeJournal } from './registry/sequelize/sequelize-journal.js'
import {
  BATCH_SIZE,
  SequelizeRegistry,
  timeoutsOf,
} from './registry/sequelize/sequelize-registry.js'
import { SequelizeStoreDriver } from './store/drivers/sequelize.js'
import { GuardedStore } from './store/guard.js'
import { pruneRecords, pruneUnrecorded } from './store/prune.js'
import { storeMismatchError } from './store/store-check.js'

const MAX_USER_AGENT_LENGTH = 512
export const ENDINGS_TABLE = 'session_endings'
export const AUDIT_TABLE = 'session_audit'

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
  readonly registry: SequelizeRegistry
  readonly journal: SequelizeJournal
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
  /** Mount after express-session: keeps last-seen current (at most one write per interval). */
  middleware(): RequestHandler
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

/**
 * Creates the session control for an app. Every option is checked here: a bad one throws a
 * SingleSessionError naming it, before the app serves a request.
 */
export function createSingleSession<User = Record<string, unknown>>(
  rawOptions: SingleSessionOptions<User>,
): SingleSession<User> {
  const options = normalizeOptions(rawOptions)
  const { storeDriver, sessionKey } = options
  const sharesDatabase =
    storeDriver instanceof SequelizeStoreDriver && storeDriver.sequelize === options.sequelize
  if (sharesDatabase) storeDriver.joinRegistry(options.tableName)
  const storeAdapter = new GuardedStore(storeDriver)
  const registry = new SequelizeRegistry(options.sequelize, options.tableName)
  const journal = new SequelizeJournal(options.sequelize, {
    endings: ENDINGS_TABLE,
    audit: AUDIT_TABLE,
  })
  const events = new SessionEvents()
  const control = new SessionControl(
    registry,
    storeAdapter,
    journal,
    events,
    endWriterFor(registry, journal, storeAdapter, sharesDatabase ? storeDriver : null),
  )

  storeAdapter.install({
    sessionKey,
    lookup: async (sid) => {
      const record = await registry.find(sid)
      return record && { timesOutAt: record.timesOutAt }
    },
    cleaned: async () => {
      await endTimedOutSessions()
      await pruneUnrecorded(storeDriver, registry, sessionKey)
      await pruneRecords(storeDriver, registry)
      await journal.pruneEndings()
    },
    timedOut: (sid) => endIfTimedOut(sid),
    forget: async (sid) => {
      await registry.remove([sid])
    },
    rename: async (oldSid, newSid, expiresAt) => {
      if (!(await registry.rename(oldSid, newSid, expiresAt))) {
        log('regenerated session %s had already ended: the new one stays anonymous', oldSid)
      }
    },
  })

  const tables = {
    // The migrations create connect-session-sequelize's table; other stores create their own.
    sessionTable: storeDriver instanceof SequelizeStoreDriver ? storeDriver.tableName : null,
    registryTable: options.tableName,
    endingsTable: ENDINGS_TABLE,
    auditTable: AUDIT_TABLE,
  }

  let passportInstalled = false
  // The store may live in another database than the library's tables: ask each its own.
  const tableCheck = new TableCheck(async () => [
    ...((await storeDriver.ready()) ? [] : [storeDriver.tableName ?? storeDriver.name]),
    ...(await registry.missingTables([options.tableName, ENDINGS_TABLE, AUDIT_TABLE])),
  ])

  /**
   * The store guard found this session's time-out passed as it loaded it: end it with its
   * reason. Resolves to whether it is gone (false: a request moved its deadline meanwhile).
   */
  async function endIfTimedOut(sid: string): Promise<boolean> {
    const record = await registry.find(sid)
    if (!record) return true
    const reason = reasonOf(record, Date.now())
    if (!reason) return false
    if (await registry.claimTimedOut(record)) await endClaimed([record], reason)
    return true
  }

  async function endClaimed(records: SessionRecord[], reason: TimeoutReason): Promise<number> {
    try {
      return await control.end(records, { reason, actor: SYSTEM_ACTOR })
    } catch (error) {
      for (const record of records) {
        await registry
          .releaseClaim(record)
          .catch((failure: unknown) => log('could not release %s: %O', record.sid, failure))
      }
      throw error
    }
  }

  /** Ends every session whose time-out has passed: what prune() and the store's cleanup do. */
  async function endTimedOutSessions(): Promise<number> {
    let ended = 0
    for (;;) {
      const now = Date.now()
      const due = await registry.timedOut(new Date(now), BATCH_SIZE)
      const byReason = new Map<TimeoutReason, SessionRecord[]>()
      for (const record of due) {
        const reason = reasonOf(record, now)
        if (!reason || !(await registry.claimTimedOut(record))) continue
        const records = byReason.get(reason)
        if (records) records.push(record)
        else byReason.set(reason, [record])
      }
      // One end per reason: one audit line per user and reason for the whole run.
      for (const [reason, records] of byReason) {
        ended += await endClaimed(records, reason)
      }
      if (due.length < BATCH_SIZE || byReason.size === 0) return ended
    }
  }

  function reasonOf(record: SessionRecord, now: number): TimeoutReason | null {
    return timeoutReason(
      timeoutsOf(record),
      record.createdAt.getTime(),
      record.lastSeenAt.getTime(),
      now,
    )
  }

  function markerOf(req: Request): SessionMarker | null {
    return readMarker((req as Partial<SessionRequest>).session, sessionKey)
  }

  function sessionData(req: SessionRequest): Record<string, unknown> {
    return req.session as unknown as Record<string, unknown>
  }

  async function login(
    req: Request,
    user: User,
    { regenerate = true }: { regenerate?: boolean } = {},
  ): Promise<LoginResult> {
    requireSession(req, 'login')
    checkStore(req)
    const userId = normalizeUserId(options.getUserId(user))
    const rule = await ruleForLogin(options, user)
    const timeouts = await timeoutsFor(options, user)

    // Logging in again from a logged-in session replaces it: forget its record first so the
    // regenerate below does not carry it over.
    const previousSid = req.sessionID
    if (markerOf(req)) {
      delete sessionData(req)[sessionKey]
      await registry.remove([previousSid])
    }
    if (regenerate) await regenerateSession(req)
    const now = Date.now()
    const marker: SessionMarker = { uid: userId, at: now, seen: now }
    if (timeouts.idle !== null) marker.idle = timeouts.idle
    if (timeouts.absolute !== null) marker.abs = timeouts.absolute
    sessionData(req)[sessionKey] = marker
    const record = {
      sid: req.sessionID,
      userId,
      createdAt: new Date(now),
      expiresAt: storeAdapter.expiryOf(req.session),
      ip: clientIp(req),
      userAgent: req.get('user-agent')?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
      idleTimeout: timeouts.idle,
      absoluteTimeout: timeouts.absolute,
      timesOutAt: timesOutAt(timeouts, now, now),
    }
    try {
      await saveSession(req)
      const evicted = await control.admit(record, rule)
      return { sid: req.sessionID, userId, evicted: evicted.length }
    } catch (error) {
      await abandon(req)
      if (error instanceof SessionLimitError && previousSid) {
        // The browser still holds its pre-login cookie: let its next request say why.
        await journal
          .recordEndings([
            {
              sid: previousSid,
              userId,
              reason: 'denied-by-limit',
              endedAt: new Date(),
              expiresAt: record.expiresAt,
              actor: { kind: 'user', id: userId, label: null },
              newDevice: null,
            },
          ])
          .catch((failure: unknown) => log('could not record the denied login: %O', failure))
      }
      throw error
    }
  }

  /** A failed login leaves nothing behind: no marker, no session, no cookie. */
  async function abandon(req: SessionRequest): Promise<void> {
    const sid = req.sessionID
    delete sessionData(req)[sessionKey]
    try {
      await control.discard([sid])
    } catch (error) {
      log('could not remove the failed login session %s: %O', sid, error)
    }
    try {
      await destroySession(req)
    } catch (error) {
      log('could not destroy the failed login session %s: %O', sid, error)
    }
  }

  async function logout(
    req: Request,
    { destroy = true }: { destroy?: boolean } = {},
  ): Promise<LogoutResult> {
    requireSession(req, 'logout')
    const marker = markerOf(req)
    let sessions = 0
    if (marker && options.logoutAllSessions) {
      const actor: Actor = { kind: 'user', id: marker.uid, label: null }
      sessions = (
        await control.logoutUsers([marker.uid], { reason: 'logged-out-everywhere', actor })
      ).sessions
    } else if (marker) {
      await control.discard([req.sessionID])
      sessions = 1
    }
    if (destroy) await destroySession(req)
    else delete sessionData(req)[sessionKey]
    return { sessions }
  }

  async function endedSession(req: Request): Promise<SessionEndingInfo | null> {
    if (markerOf(req)) return null
    const sid = storeAdapter.replacedSid(req)
    if (!sid) return null
    const ending = await journal.findEnding(sid)
    if (!ending) return null
    return {
      reason: ending.reason,
      endedAt: ending.endedAt,
      actor: ending.actor,
      newDevice: ending.newDevice,
    }
  }

  async function listDevices(req: Request): Promise<DeviceSession[]> {
    const marker = markerOf(req)
    if (!marker) return []
    const records = await registry.list(marker.uid)
    return records.map((record) => ({
      id: record.id,
      device: describeDevice(record.userAgent),
      ip: record.ip,
      createdAt: record.createdAt,
      lastSeenAt: record.lastSeenAt,
      expiresAt: record.expiresAt,
      timesOutAt: record.timesOutAt,
      current: record.sid === req.sessionID,
    }))
  }

  async function endDevice(req: Request, id: number): Promise<boolean> {
    const marker = markerOf(req)
    if (!marker) return false
    const record = await registry.findOwned(marker.uid, id)
    if (!record) return false
    const actor: Actor = { kind: 'user', id: marker.uid, label: null }
    return (await control.end([record], { reason: 'revoked-by-user', actor })) > 0
  }

  async function logoutOtherDevices(req: Request): Promise<number> {
    const marker = markerOf(req)
    if (!marker) return 0
    const others = (await registry.list(marker.uid)).filter(
      (record) => record.sid !== req.sessionID,
    )
    const actor: Actor = { kind: 'user', id: marker.uid, label: null }
    return control.end(others, { reason: 'revoked-by-user', actor })
  }

  /** Until the tables have been found once, each request checks them first: see TableCheck. */
  function middleware(): RequestHandler {
    return (req: Request, _res: Response, next: NextFunction) => {
      if (tableCheck.confirmed) return afterTableCheck(req, next)
      tableCheck.ensure().then(
        () => afterTableCheck(req, next),
        (error: unknown) => {
          if (isSingleSessionError(error, ErrorCodes.MISSING_TABLE)) return next(error)
          // The check is only there to explain a missing table: a database that cannot be asked
          // is the request's own business.
          log('could not check the tables: %O', error)
          afterTableCheck(req, next)
        },
      )
    }
  }

  /**
   * The guard only sees the store it was given: a request loaded by another store would escape
   * every check. express-session names its store on each request.
   */
  let storeChecked = false
  function checkStore(req: Request): void {
    if (storeChecked) return
    const used = (req as { sessionStore?: object }).sessionStore
    if (used === undefined) return
    if (used !== options.store) throw storeMismatchError(options.store, used)
    storeChecked = true
  }

  function afterTableCheck(req: Request, next: NextFunction): void {
    try {
      checkStore(req)
    } catch (error) {
      return next(error)
    }
    // Fail closed: a Passport login that did not go through login() escaped the limit, and an
    // app that forgot passport() would otherwise never learn it.
    const session = (req as Partial<SessionRequest>).session
    if (!passportInstalled && !markerOf(req) && signedInByPassport(session)) {
      return next(passportNotInstalledError())
    }
    touchLastSeen(req, next)
  }

  /**
   * Keeps last-seen and the time-out current, with at most one write per session per throttle:
   * lastSeenInterval, or half the idle timeout when that is shorter.
   */
  function touchLastSeen(req: Request, next: NextFunction): void {
    const marker = markerOf(req)
    const now = Date.now()
    if (!marker) return next()
    const throttle = lastSeenThrottle(options.lastSeenInterval, marker.idle ?? null)
    if (now - marker.seen < throttle) return next()
    const session = (req as SessionRequest).session
    sessionData(req as SessionRequest)[sessionKey] = { ...marker, seen: now }
    const deadline = timesOutAt(
      { idle: marker.idle ?? null, absolute: marker.abs ?? null },
      marker.at,
      now,
    )
    registry.touch(req.sessionID, new Date(now), storeAdapter.expiryOf(session), deadline).then(
      () => next(),
      (error: unknown) => next(error),
    )
  }

  return {
    options,
    control,
    registry,
    journal,
    login,
    logout,
    logoutUsers: async (userIds, { actor = SYSTEM_ACTOR } = {}) =>
      control.logoutUsers(normalizeUserIds(userIds), { reason: 'logged-out-by-admin', actor }),
    endSession: async (sid, { actor = SYSTEM_ACTOR } = {}) => {
      const record = await registry.find(String(sid))
      if (!record) return false
      return (await control.end([record], { reason: 'logged-out-by-admin', actor })) > 0
    },
    listSessions: (userId) => registry.list(normalizeUserId(userId)),
    userIdOf: (req) => markerOf(req)?.uid ?? null,
    endedSession,
    listDevices,
    endDevice,
    logoutOtherDevices,
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
    middleware,
    sync: async () => {
      await storeDriver.createTable()
      await registry.model.sync()
      await journal.Ending.sync()
      await journal.Audit.sync()
    },
    migrate: async () => {
      if (tables.sessionTable === null) await storeDriver.createTable()
      return migrate(options.sequelize, tables)
    },
    ready: () => tableCheck.assertReady(),
    prune: async () => {
      const timedOut = await endTimedOutSessions()
      const sessions = await storeDriver.pruneExpired()
      const unrecorded = await pruneUnrecorded(storeDriver, registry, sessionKey)
      const records = await pruneRecords(storeDriver, registry)
      const endings = await journal.pruneEndings()
      return { sessions, unrecorded, records, endings, timedOut }
    },
    passport(authenticator) {
      installPassport<User>(authenticator, options, {
        login,
        logout,
        userIdOf: (req) => markerOf(req)?.uid ?? null,
        release: async (req) => {
          delete (req.session as unknown as Record<string, unknown>)[sessionKey]
          await registry.remove([req.sessionID])
        },
      })
      passportInstalled = true
    },
  }
}

/** One statement on PostgreSQL when the store shares its database; ordered writes otherwise. */
function endWriterFor(
  registry: SequelizeRegistry,
  journal: SequelizeJournal,
  storeAdapter: GuardedStore,
  sameDatabase: SequelizeStoreDriver | null,
): EndWriter {
  const ordered = new OrderedEndWriter(registry, journal, storeAdapter, sameDatabase)
  if (registry.sequelize.getDialect() === 'postgres' && sameDatabase) {
    return new PostgresEndWriter(registry.sequelize, registry, journal, sameDatabase, ordered)
  }
  return ordered
}
