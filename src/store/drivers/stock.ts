import type { SessionData, Store } from 'express-session'

/**
 * Calls the store class's own method, not the instance's: the guard replaces `get`, `set` and
 * `destroy` on the instance, and a driver must reach what lies beneath.
 */
export function stock<T = void>(store: Store, method: string, ...args: unknown[]): Promise<T> {
  const original = (Object.getPrototypeOf(store) as Record<string, unknown>)[method]
  if (typeof original !== 'function') {
    return Promise.reject(new Error(`the session store has no ${method}() method`))
  }
  return new Promise<T>((resolve, reject) => {
    ;(original as (...a: unknown[]) => void).call(store, ...args, (err: unknown, result: T) =>
      err
        ? reject(err instanceof Error ? err : new Error('session store failed', { cause: err }))
        : resolve(result),
    )
  })
}

/** When a session's cookie expires, or a day from now for a browser-session cookie. */
export function cookieExpiry(session: { cookie?: { expires?: unknown } }, ttlMs: number): Date {
  const expires = session.cookie?.expires
  if (expires instanceof Date) return expires
  if (typeof expires === 'string' || typeof expires === 'number') return new Date(expires)
  return new Date(Date.now() + ttlMs)
}

export const ONE_DAY_MS = 86_400_000

/** Stored session data: parsed JSON text, or an object a driver already parsed; null if unreadable. */
export function parseSessionData(value: unknown): SessionData | null {
  if (typeof value !== 'string') return (value as SessionData | null) ?? null
  try {
    return JSON.parse(value) as SessionData
  } catch {
    return null
  }
}
