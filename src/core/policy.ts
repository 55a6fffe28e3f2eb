import { ErrorCodes, SingleSessionError } from '../errors.js'

/** What happens when a login would exceed the user's limit. */
export type OnLimit = 'evict-oldest' | 'deny-new'

export type MaybePromise<T> = T | Promise<T>

/** A value given once for everybody, or computed per user at each login. */
export type PerUser<T, User> = T | ((user: User) => MaybePromise<T>)

export interface SessionPolicy<User> {
  limit: PerUser<number, User>
  onLimit: OnLimit
  enabled: PerUser<boolean, User>
}

/** The decision for one login: `null` when the user is not limited at all. */
export type LoginRule = { limit: number; onLimit: OnLimit } | null

/**
 * Decides which rule applies to this user's login. Pure: it knows nothing of Express, AdminJS
 * or SQL, only the options and the user.
 */
export async function ruleForLogin<User>(
  policy: SessionPolicy<User>,
  user: User,
): Promise<LoginRule> {
  const enabled = typeof policy.enabled === 'function' ? await policy.enabled(user) : policy.enabled
  if (typeof enabled !== 'boolean') {
    throw new SingleSessionError(
      ErrorCodes.INVALID_OPTION,
      `adminjs-single-session: the \`enabled\` function must return true or false; got ${String(enabled)}`,
    )
  }
  if (!enabled) return null
  const limit = typeof policy.limit === 'function' ? await policy.limit(user) : policy.limit
  if (!isValidLimit(limit)) {
    throw new SingleSessionError(
      ErrorCodes.INVALID_LIMIT,
      `adminjs-single-session: the \`limit\` function must return an integer >= 1; got ${String(limit)}`,
    )
  }
  return { limit, onLimit: policy.onLimit }
}

export function isValidLimit(limit: unknown): limit is number {
  return typeof limit === 'number' && Number.isInteger(limit) && limit >= 1
}
