import type { Store } from 'express-session'
import type { Transaction } from 'sequelize'

/** What the guards ask of the rest of the library while express-session drives the store. */
export interface StoreGuardHooks {
  /** The key under which a logged-in session carries the library's marker. */
  sessionKey: string
  /** The session was destroyed through the store (logout, `req.session.destroy()`). */
  forget(sid: string): Promise<void>
  /** The app regenerated a logged-in session outside `login()`: keep it tracked. */
  rename(oldSid: string, newSid: string, expiresAt: Date): Promise<void>
  /** The store's own cleanup timer ran: delete what outlived the sessions it removed. */
  cleaned(): Promise<void>
  /**
   * A logged-in session being loaded is past its recorded time-out: end it. Resolves to whether
   * it is gone (then the load finds no session).
   */
  timedOut(sid: string): Promise<boolean>
}

/**
 * Binds the library to one kind of express-session store. An adapter can end sessions in bulk
 * and guards the store so that an ended session can never be written back by a request that
 * was in flight when it ended.
 */
export interface StoreAdapter {
  readonly store: Store
  /** Installs the guards on the store instance. Called once. */
  install(hooks: StoreGuardHooks): void
  /**
   * The session id this request's cookie named when the store had no live session for it (it
   * ended, expired or never existed), or null. Lets the app tell the user why.
   */
  replacedSid(req: object): string | null
  /** When the store will consider this session expired. */
  expiryOf(session: object): Date
  /**
   * Deletes these sessions from the store; resolves to how many existed. `transaction` is the
   * library's, on its Sequelize instance: an adapter whose store lives in the same database
   * joins it, so that the deletes commit with the rest of the logout; any other ignores it.
   */
  destroyMany(sids: readonly string[], transaction?: Transaction): Promise<number>
  /** The subset of these sids whose sessions exist and have not expired. */
  alive(sids: readonly string[]): Promise<Set<string>>
  /**
   * Deletes expired sessions, signed-in sessions that have no registry record (after a grace
   * period), and registry records whose session is gone; returns the three counts.
   */
  prune(): Promise<{ sessions: number; unrecorded: number; records: number }>
  /** Creates the store's table when it is missing (development). */
  sync(): Promise<void>
  /** Whether the store's table exists; rejects when the database cannot be asked. */
  ready(): Promise<boolean>
  /** The table the store keeps sessions in, for migrations. */
  readonly tableName: string
}
