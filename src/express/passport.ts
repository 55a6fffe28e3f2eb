import type { Request } from 'express'
import { ErrorCodes, SingleSessionError } from '../errors.js'
import { log } from '../log.js'

/**
 * What the Passport integration needs from a SingleSession: its own login and logout, and the
 * means to forget the record of a session that Passport is about to replace.
 */
export interface PassportHooks<User> {
  login(req: Request, user: User, options: { regenerate: false }): Promise<unknown>
  logout(req: Request, options: { destroy: false }): Promise<unknown>
  userIdOf(req: Request): string | null
  /** Forgets the record of this request's session and unmarks it (before a re-login). */
  unmark(req: Request): Promise<void>
}

/**
 * A Passport authenticator: the default `passport` export or a `new Passport()`. Typed loosely
 * so that the library needs neither passport nor @types/passport; checked at run time.
 */
export interface PassportAuthenticator {
  authenticate(...args: never[]): unknown
}

type Callback = (error?: unknown) => void

/** Passport 0.6 / 0.7's SessionManager (lib/sessionmanager.js), the part that is wrapped. */
interface SessionManager {
  logIn: (
    this: SessionManager,
    req: Request,
    user: unknown,
    options: unknown,
    cb?: Callback,
  ) => void
  logOut: (this: SessionManager, req: Request, options: unknown, cb?: Callback) => void
  [WRAPPED]?: object
}

const WRAPPED = Symbol.for('adminjs-single-session.passport')

/**
 * Routes Passport's `req.login()` / `req.logIn()` (and so `passport.authenticate()`) and
 * `req.logout()` through the library, by wrapping the authenticator's session manager:
 *
 * - after Passport's logIn has regenerated the session and stored `passport.user`, the session
 *   is recorded and the limit applied (`login(req, user, { regenerate: false })`). If that
 *   fails (a SessionLimitError in deny mode, a database error) the Passport login fails with
 *   that error and the request is left anonymous, with no session and no cookie;
 * - before Passport's logOut clears the user and regenerates, the user's sessions are ended
 *   (`logout(req, { destroy: false })`: all of them with `logoutAllSessions`).
 *
 * Works with Passport 0.6 and 0.7, whose session managers are the same. If a session manager
 * does not regenerate the session on login (Passport 0.5 and older), the login fails closed
 * with `UNSUPPORTED_PASSPORT` rather than keep a fixable session id.
 *
 * @param authenticator the `passport` module or a `new Passport()`
 * @param owner identifies the SingleSession: wiring it twice is a no-op, another one throws
 * @param hooks the SingleSession's login, logout and record handling
 * @throws SingleSessionError `UNSUPPORTED_PASSPORT` when `authenticator` has no Passport 0.6+
 *   session manager; `INVALID_OPTION` when another SingleSession already wrapped it.
 */
export function installPassport<User>(
  authenticator: PassportAuthenticator,
  owner: object,
  hooks: PassportHooks<User>,
): void {
  const manager = (authenticator as { _sm?: unknown } | null)?._sm as SessionManager | undefined
  if (
    typeof manager !== 'object' ||
    manager === null ||
    typeof manager.logIn !== 'function' ||
    typeof manager.logOut !== 'function'
  ) {
    throw new SingleSessionError(
      ErrorCodes.UNSUPPORTED_PASSPORT,
      'adminjs-single-session: passport() needs a Passport 0.6 or 0.7 authenticator ' +
        '(the `passport` module or a `new Passport()`), whose session manager it wraps',
    )
  }
  if (manager[WRAPPED] === owner) return
  if (manager[WRAPPED]) {
    throw new SingleSessionError(
      ErrorCodes.INVALID_OPTION,
      'adminjs-single-session: this Passport authenticator is already wired to another single-session instance',
    )
  }

  const originalLogIn = manager.logIn
  const originalLogOut = manager.logOut

  manager.logIn = function logIn(req, user, options, cb) {
    const done = (typeof options === 'function' ? options : cb) as Callback
    const passportOptions: unknown = typeof options === 'function' ? {} : options
    if (!req?.session) {
      // Passport reports the missing session itself.
      originalLogIn.call(this, req, user, passportOptions, done)
      return
    }
    const before = req.sessionID
    settle(
      (async () => {
        // Signing in again from a signed-in session: Passport's regenerate would carry the old
        // record over to the new id. Forget it, as login() does for its own regenerate.
        if (hooks.userIdOf(req) !== null) await hooks.unmark(req)
        await new Promise<void>((resolve, reject) =>
          originalLogIn.call(this, req, user, passportOptions, (error?: unknown) =>
            error ? reject(toError(error)) : resolve(),
          ),
        )
        if (req.session && req.sessionID === before) {
          // A session manager that did not regenerate: never record a fixable session id.
          await destroy(req)
          throw new SingleSessionError(
            ErrorCodes.UNSUPPORTED_PASSPORT,
            'adminjs-single-session: the Passport session manager did not regenerate the session on login; use Passport 0.6 or later',
          )
        }
        await hooks.login(req, user as User, { regenerate: false })
      })(),
      done,
    )
  }

  manager.logOut = function logOut(req, options, cb) {
    const done = (typeof options === 'function' ? options : cb) as Callback
    const passportOptions: unknown = typeof options === 'function' ? {} : options
    if (!req?.session) {
      originalLogOut.call(this, req, passportOptions, done)
      return
    }
    settle(
      (async () => {
        await hooks.logout(req, { destroy: false })
        await new Promise<void>((resolve, reject) =>
          originalLogOut.call(this, req, passportOptions, (error?: unknown) =>
            error ? reject(toError(error)) : resolve(),
          ),
        )
      })(),
      done,
    )
  }

  manager[WRAPPED] = owner
  log('passport: login and logout now go through single-session')
}

/**
 * Calls a Node-style callback once the promise settles, outside the promise chain, so that an
 * exception thrown by the callback is not turned into an unhandled rejection or a second call.
 */
function settle(promise: Promise<void>, done: Callback | undefined): void {
  promise.then(
    () => process.nextTick(() => done?.()),
    (error: unknown) => process.nextTick(() => done?.(error)),
  )
}

function destroy(req: Request): Promise<void> {
  return new Promise((resolve) => {
    if (!req.session) return resolve()
    req.session.destroy((error: unknown) => {
      if (error) log('could not destroy the unregenerated session %s: %O', req.sessionID, error)
      resolve()
    })
  })
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
