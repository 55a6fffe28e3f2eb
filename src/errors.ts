/**
 * Every error this library throws carries one of these codes. Apps and tests switch on
 * `error.code`, never on the message.
 */
export const ErrorCodes = {
  /** An option has a wrong type or value; the message names the option. */
  INVALID_OPTION: 'INVALID_OPTION',
  /** The session store is not one this library can guard and no `storeDriver` was given. */
  UNSUPPORTED_STORE: 'UNSUPPORTED_STORE',
  /**
   * express-session uses another store than the one given to `createSingleSession`: nothing
   * would be enforced. Pass the same instance to both.
   */
  STORE_MISMATCH: 'STORE_MISMATCH',
  /** A table the library needs does not exist: run the migration or `sync()`. */
  MISSING_TABLE: 'MISSING_TABLE',
  /** `login()` / `logout()` was called on a request without express-session in front of it. */
  NO_SESSION: 'NO_SESSION',
  /** A user id is missing, empty, too long or not a string or number. */
  INVALID_USER_ID: 'INVALID_USER_ID',
  /** The `limit` function returned something other than an integer >= 1. */
  INVALID_LIMIT: 'INVALID_LIMIT',
  /** `onLimit: 'deny-new'`: the user already has the maximum number of sessions. */
  SESSION_LIMIT_REACHED: 'SESSION_LIMIT_REACHED',
  /** `passport()` got no Passport 0.6+ authenticator, or its login kept the session id. */
  UNSUPPORTED_PASSPORT: 'UNSUPPORTED_PASSPORT',
  /** An AdminJS action that changes something was posted from another site; nothing was done. */
  CROSS_SITE_REQUEST: 'CROSS_SITE_REQUEST',
  /** The User resource has none of the fields the default admin check reads: set `isAdmin`. */
  ADMIN_FIELD_MISSING: 'ADMIN_FIELD_MISSING',
  /** The UserSession resource cannot find the User resource: set `userResourceId`. */
  NO_USER_RESOURCE: 'NO_USER_RESOURCE',
  /**
   * A request whose session Passport signed in, in an app that never called `passport()`:
   * that login bypassed the limit.
   */
  PASSPORT_NOT_INSTALLED: 'PASSPORT_NOT_INSTALLED',
  /** An `idleTimeout` or `absoluteTimeout` function returned something other than ms > 0 or null. */
  INVALID_TIMEOUT: 'INVALID_TIMEOUT',
  /**
   * A login with an idle timeout in an app that never made `middleware()`: no request would keep
   * the session alive, so it would end `idleTimeout` after the login however busy the user.
   */
  NO_MIDDLEWARE: 'NO_MIDDLEWARE',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

export class SingleSessionError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SingleSessionError'
    this.code = code
  }
}

/** Thrown by `login()` in `deny-new` mode. `limit` is the limit that applied to this user. */
export class SessionLimitError extends SingleSessionError {
  readonly limit: number
  readonly userId: string

  constructor(userId: string, limit: number) {
    super(
      ErrorCodes.SESSION_LIMIT_REACHED,
      `User ${userId} already has ${limit} active session${limit === 1 ? '' : 's'}; sign out elsewhere first`,
    )
    this.name = 'SessionLimitError'
    this.limit = limit
    this.userId = userId
  }
}

export function invalidOption(option: string, expected: string, got: unknown): SingleSessionError {
  return new SingleSessionError(
    ErrorCodes.INVALID_OPTION,
    `adminjs-single-session: option \`${option}\` must be ${expected}; got ${describe(got)}`,
  )
}

export function isSingleSessionError(
  error: unknown,
  code?: ErrorCode,
): error is SingleSessionError {
  return error instanceof SingleSessionError && (code === undefined || error.code === code)
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'string') return JSON.stringify(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
