import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { LoginResult, LogoutResult, SessionEndingInfo, DeviceSession } from '../api.js'
import { describeDevice } from '../core/device.js'
import type { Actor } from '../core/ending.js'
import type { SessionJournal } from '../core/ports/journal.js'
import type { SessionRegistry } from '../core/ports/registry.js'
import { ruleForLogin } from '../core/policy.js'
import type { SessionControl } from '../core/session-control.js'
import type { TableCheck } from '../core/table-check.js'
import { lastSeenThrottle, timeoutsFor, timesOutAt } from '../core/timeouts.js'
import { normalizeUserId } from '../core/user-id.js'
import { ErrorCodes, SessionLimitError, isSingleSessionError } from '../errors.js'
import { log } from '../log.js'
import type { NormalizedOptions } from '../options.js'
import type { GuardedStore } from '../store/guard.js'
import { storeMismatchError } from '../store/store-check.js'
import { clientIp } from './client-ip.js'
import { isEventStreamRequest } from './events.js'
import { readMarker, type SessionMarker } from './marker.js'
import { MountOrder, noMiddlewareError } from './mount-order.js'
import { passportNotInstalledError, signedInByPassport } from './passport-check.js'
import {
  destroySession,
  regenerateSession,
  requireSession,
  saveSession,
  type SessionRequest,
} from './session-io.js'

const MAX_USER_AGENT_LENGTH = 512

/** What the per-request operations work with. */
export interface RequestDependencies<User> {
  options: NormalizedOptions<User>
  registry: SessionRegistry
  journal: SessionJournal
  control: SessionControl
  guard: GuardedStore
  tableCheck: TableCheck
  /** Whether `passport()` has been called. */
  passportInstalled: () => boolean
}

/**
 * The operations on one request: login, logout, why a session ended, the user's devices, and
 * the middleware that keeps last-seen current. Express glue over the core.
 */
export function requestOperations<User>({
  options,
  registry,
  journal,
  control,
  guard,
  tableCheck,
  passportInstalled,
}: RequestDependencies<User>) {
  const { sessionKey } = options
  /** Whether the app has made `middleware()`, which alone keeps an idle timeout from firing. */
  let middlewareMade = false

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
    if (timeouts.idle !== null && !middlewareMade) throw noMiddlewareError()

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
      expiresAt: guard.expiryOf(req.session),
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
      await endFailedLogin(req)
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
  async function endFailedLogin(req: SessionRequest): Promise<void> {
    const sid = req.sessionID
    delete sessionData(req)[sessionKey]
    try {
      await control.endQuietly([sid])
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
      await control.endQuietly([req.sessionID])
      sessions = 1
    }
    if (destroy) await destroySession(req)
    else delete sessionData(req)[sessionKey]
    return { sessions }
  }

  async function endedSession(req: Request): Promise<SessionEndingInfo | null> {
    if (markerOf(req)) return null
    const sid = guard.replacedSid(req)
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
    middlewareMade = true
    const mountOrder = new MountOrder()
    return (req: Request, res: Response, next: NextFunction) => {
      try {
        mountOrder.check(req, res)
      } catch (error) {
        return next(error)
      }
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
    if (!passportInstalled() && !markerOf(req) && signedInByPassport(session)) {
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
    // An open page's event stream must not keep its session alive.
    if (!marker || isEventStreamRequest(req)) return next()
    const throttle = lastSeenThrottle(options.lastSeenInterval, marker.idle ?? null)
    if (now - marker.seen < throttle) return next()
    const session = (req as SessionRequest).session
    sessionData(req as SessionRequest)[sessionKey] = { ...marker, seen: now }
    const deadline = timesOutAt(
      { idle: marker.idle ?? null, absolute: marker.abs ?? null },
      marker.at,
      now,
    )
    registry.touch(req.sessionID, new Date(now), guard.expiryOf(session), deadline).then(
      () => next(),
      (error: unknown) => next(error),
    )
  }

  return {
    markerOf,
    login,
    logout,
    endedSession,
    listDevices,
    endDevice,
    logoutOtherDevices,
    middleware,
    /** Passport's logout regenerates the session itself: only unmark it and forget its record. */
    unmark: async (req: Request): Promise<void> => {
      delete sessionData(req as SessionRequest)[sessionKey]
      await registry.remove([req.sessionID])
    },
  }
}
