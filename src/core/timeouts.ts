import { ErrorCodes, SingleSessionError } from '../errors.js'
import type { PerUser } from './policy.js'

/** The timeouts of one session, in milliseconds; null when that timeout is off. */
export interface SessionTimeouts {
  idle: number | null
  absolute: number | null
}

export type TimeoutReason = 'idle-timeout' | 'absolute-timeout'

export const NO_TIMEOUTS: SessionTimeouts = { idle: null, absolute: null }

/** A timeout option: milliseconds > 0, null (off), or a function of the user returning one. */
export type TimeoutOption<User> = PerUser<number | null, User>

export function isValidTimeout(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isSafeInteger(value) && value > 0)
}

/** Evaluates both timeout options for one login. Pure but for the options' own functions. */
export async function timeoutsFor<User>(
  options: { idleTimeout: TimeoutOption<User>; absoluteTimeout: TimeoutOption<User> },
  user: User,
): Promise<SessionTimeouts> {
  return {
    idle: await evaluate('idleTimeout', options.idleTimeout, user),
    absolute: await evaluate('absoluteTimeout', options.absoluteTimeout, user),
  }
}

async function evaluate<User>(
  name: string,
  option: TimeoutOption<User>,
  user: User,
): Promise<number | null> {
  const value = typeof option === 'function' ? await option(user) : option
  const normalized = value === undefined ? null : value
  if (!isValidTimeout(normalized)) {
    throw new SingleSessionError(
      ErrorCodes.INVALID_TIMEOUT,
      `adminjs-single-session: the \`${name}\` function must return an integer number of milliseconds > 0, or null; got ${String(value)}`,
    )
  }
  return normalized
}

/**
 * When a session times out if no request moves it forward: the earlier of its idle deadline
 * (from the last recorded request) and its absolute one (from the login). Null: never.
 */
export function timesOutAt(
  timeouts: SessionTimeouts,
  createdAt: number,
  lastSeenAt: number,
): Date | null {
  const deadlines: number[] = []
  if (timeouts.idle !== null) deadlines.push(lastSeenAt + timeouts.idle)
  if (timeouts.absolute !== null) deadlines.push(createdAt + timeouts.absolute)
  return deadlines.length === 0 ? null : new Date(Math.min(...deadlines))
}

/** Why a session has timed out at `now`, or null if it has not. Absolute wins a tie. */
export function timeoutReason(
  timeouts: SessionTimeouts,
  createdAt: number,
  lastSeenAt: number,
  now: number,
): TimeoutReason | null {
  if (timeouts.absolute !== null && now >= createdAt + timeouts.absolute) return 'absolute-timeout'
  if (timeouts.idle !== null && now >= lastSeenAt + timeouts.idle) return 'idle-timeout'
  return null
}

/**
 * How often last-seen is written: at most every `lastSeenInterval`, and at least every half
 * idle timeout. Then the recorded last-seen lags the last request by less than idle / 2, so a
 * session with a request at least every idle / 2 is never found idle, and one idle for longer
 * than `idleTimeout` always is.
 */
export function lastSeenThrottle(lastSeenInterval: number, idle: number | null): number {
  return idle === null ? lastSeenInterval : Math.min(lastSeenInterval, Math.floor(idle / 2))
}

/** The timeouts a session record was given at login. */
export function timeoutsOf(record: {
  idleTimeout: number | null
  absoluteTimeout: number | null
}): SessionTimeouts {
  return { idle: record.idleTimeout, absolute: record.absoluteTimeout }
}
