/**
 * Tells every process of the app that sessions ended, so that their open event streams learn it
 * at once: PostgreSQL LISTEN/NOTIFY or Redis pub/sub. Backends without one (MariaDB, SQLite) have
 * none and rely on polling the registry. A notice is a hint, never the truth: the receiver
 * checks the registry before it tells a browser anything.
 */
export interface EndNotices {
  /** What carries the notices, for the logs and the docs' latency table. */
  readonly kind: string
  /**
   * Sends the short references (`sessionRef()`) of sessions whose end has committed. Never
   * sends a session id. Resolves once sent.
   */
  publish(refs: readonly string[]): Promise<void>
  /**
   * Starts receiving on a connection of its own (never the request path's). `notice` gets the
   * references of each notice; `gap` is called whenever notices may have been missed (the
   * connection was just made or re-made), so that the caller checks everything once. Resolves
   * to a function that stops receiving and closes that connection.
   */
  subscribe(handlers: EndNoticeHandlers): Promise<() => Promise<void>>
}

export interface EndNoticeHandlers {
  notice(refs: readonly string[]): void
  gap(): void
}

/** The channel name both backends use (under the Redis prefix on Redis). */
export const END_NOTICE_CHANNEL = 'single_session_ended'

/** PostgreSQL's NOTIFY payload must stay under 8000 bytes: notices carry at most this many refs. */
export const REFS_PER_NOTICE = 500
