import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { SYSTEM_ACTOR, type Actor } from './core/ending.js'
import { ruleForLogin } from './core/policy.js'
import { SessionControl, type LogoutReport } from './core/session-control.js'
import { normalizeUserId, normalizeUserIds } from './core/user-id.js'
import { ErrorCodes, SingleSessionError } from './errors.js'
import { readMarker, type SessionMarker } from './express/marker.js'
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
import type { SessionRecord } from './registry/registry.js'
import { SequelizeRegistry } from './registry/sequelize/sequelize-registry.js'

const MAX_USER_AGENT_LENGTH = 512

export interface LoginResult {
  /** The new session id. */
  sid: string
  /** The normalized user id. */
  userId: string
  /** Sessions of this user that the login signed out (evict mode). */
  evicted: string[]
}

export interface LogoutResult {
  /** Sessions ended, this one included. */
  sessions: number
}

export type { LogoutReport }

export interface SingleSession<User = Record<string, unknown>> {
  readonly options: Readonly<NormalizedOptions<User>>
  readonly control: SessionControl
  readonly registry: SequelizeRegistry
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
  /** Ends one session by id; resolves to whether it was recorded. */
  endSession(sid: string, options?: { actor?: Actor }): Promise<boolean>
  /** A user's recorded sessions, newest first. */
  listSessions(userId: unknown): Promise<SessionRecord[]>
  /** The id of the user signed in on this request through `login()`, or null. */
  userIdOf(req: Request): string | null
  /** Mount after express-session: keeps last-seen current (at most one write per interval). */
  middleware(): RequestHandler
  /** Development: creates missing tables (the store's and the records'). */
  sync(): Promise<void>
  /** Production: applies the library's pending migrations; resolves to their names. */
  migrate(): Promise<string[]>
  /** Throws MISSING_TABLE unless every table exists. Call it at start-up. */
  ready(): Promise<void>
  /** Deletes expired sessions and records whose session is gone. */
  prune(): Promise<{ sessions: number; records: number }>
}

/**
 * Creates the session control for an app. Every option is checked here: a bad one throws a
 * SingleSessionError naming it, before the app serves a request.
 */
export function createSingleSession<User = Record<string, unknown>>(
  rawOptions: SingleSessionOptions<User>,
): SingleSession<User> {
  const options = normalizeOptions(rawOptions)
  const { storeAdapter, sessionKey } = options
  const registry = new SequelizeRegistry(options.sequelize, options.tableName)
  const control = new SessionControl(registry, storeAdapter)

  storeAdapter.install({
    sessionKey,
    forget: async (sid) => {
      await registry.remove([sid])
    },
    rename: async (oldSid, newSid, expiresAt) => {
      if (!(await registry.rename(oldSid, newSid, expiresAt))) {
        log('regenerated session %s had already ended: the new one stays anonymous', oldSid)
      }
    },
  })

  const tables = () => ({ sessionTable: storeAdapter.tableName, registryTable: options.tableName })

  function markerOf(req: Request): SessionMarker | null {
    return readMarker((req as Partial<SessionRequest>).session, sessionKey)
  }

  async function login(
    req: Request,
    user: User,
    { regenerate = true }: { regenerate?: boolean } = {},
  ): Promise<LoginResult> {
    requireSession(req, 'login')
    const userId = normalizeUserId(options.getUserId(user))
    const rule = await ruleForLogin(options, user)

    // Logging in again from a logged-in session replaces it: forget its record first so the
    // regenerate below does not carry it over.
    const previousSid = req.sessionID
    if (markerOf(req)) {
      delete (req.session as unknown as Record<string, unknown>)[sessionKey]
      await registry.remove([previousSid])
    }
    if (regenerate) await regenerateSession(req)
    const now = Date.now()
    const marker: SessionMarker = { uid: userId, at: now, seen: now }
    ;(req.session as unknown as Record<string, unknown>)[sessionKey] = marker
    try {
      await saveSession(req)
      const evicted = await control.admit(
        {
          sid: req.sessionID,
          userId,
          createdAt: new Date(now),
          expiresAt: storeAdapter.expiryOf(req.session),
          ip: clientIp(req),
          userAgent: req.get('user-agent')?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
        },
        rule,
      )
      return { sid: req.sessionID, userId, evicted }
    } catch (error) {
      await abandon(req)
      throw error
    }
  }

  /** A failed login leaves nothing behind: no marker, no session, no cookie. */
  async function abandon(req: SessionRequest): Promise<void> {
    const sid = req.sessionID
    delete (req.session as unknown as Record<string, unknown>)[sessionKey]
    try {
      await control.endSessions([sid])
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
      sessions = await control.endSessions([req.sessionID])
    }
    if (destroy) await destroySession(req)
    else delete (req.session as unknown as Record<string, unknown>)[sessionKey]
    return { sessions }
  }

  function middleware(): RequestHandler {
    return (req: Request, _res: Response, next: NextFunction) => {
      const marker = markerOf(req)
      const now = Date.now()
      if (!marker || now - marker.seen < options.lastSeenInterval) return next()
      const session = (req as SessionRequest).session
      ;(session as unknown as Record<string, unknown>)[sessionKey] = { ...marker, seen: now }
      registry.touch(req.sessionID, new Date(now), storeAdapter.expiryOf(session)).then(
        () => next(),
        (error: unknown) => next(error),
      )
    }
  }

  async function ready(): Promise<void> {
    const missing: string[] = []
    if (!(await storeAdapter.ready())) missing.push(storeAdapter.tableName)
    if (!(await registry.tableExists())) missing.push(options.tableName)
    if (missing.length > 0) {
      throw new SingleSessionError(
        ErrorCodes.MISSING_TABLE,
        `adminjs-single-session: missing table${missing.length > 1 ? 's' : ''} ${missing.join(', ')}. ` +
          'Run `npx adminjs-single-session migrate` (or await singleSession.migrate()) in production, ' +
          'or await singleSession.sync() in development.',
      )
    }
  }

  return {
    options,
    control,
    registry,
    login,
    logout,
    logoutUsers: async (userIds, { actor = SYSTEM_ACTOR } = {}) =>
      control.logoutUsers(normalizeUserIds(userIds), { reason: 'logged-out-by-admin', actor }),
    endSession: async (sid) => (await control.endSessions([String(sid)])) > 0,
    listSessions: (userId) => registry.list(normalizeUserId(userId)),
    userIdOf: (req) => markerOf(req)?.uid ?? null,
    middleware,
    sync: async () => {
      await storeAdapter.sync()
      await registry.model.sync()
    },
    migrate: () => migrate(options.sequelize, tables()),
    ready,
    prune: () => storeAdapter.prune(),
  }
}

function clientIp(req: Request): string | null {
  const ip = req.ip ?? req.socket?.remoteAddress
  return ip ? ip.slice(0, 64) : null
}
