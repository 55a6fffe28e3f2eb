import type { SessionData, Store } from 'express-session'
import type { Sequelize, Transaction } from 'sequelize'

/** A stored session that carries the login marker, as pruning reads it. */
export interface MarkedSession {
  sid: string
  data: SessionData
}

/**
 * What the library needs of one kind of express-session store. The store guard
 * (`src/store/guard.ts`, one for every store) is built on it; a driver only reads and writes.
 * Drivers for connect-session-sequelize, connect-pg-simple and express-session's MemoryStore /
 * memorystore are chosen automatically from the `store` option; pass `storeDriver` for another.
 *
 * The guarantees rest on two methods: `update()` must never create a session (it is how a
 * late save of an ended session is dropped) and `destroyMany()` must delete every sid it is
 * given in as few round trips as the store allows.
 */
export interface StoreDriver {
  /** The store's name in messages, e.g. `'connect-pg-simple'`. */
  readonly name: string
  /** The express-session store this driver reads and writes: the one given to `session()`. */
  readonly store: Store
  /** Whether several app processes share the store's sessions (false for an in-memory store). */
  readonly shared: boolean
  /** The store's table for messages and migrations, or null when it has none. */
  readonly tableName: string | null
  /** A stored session that has not expired, or null. Unreadable data counts as none. */
  read(sid: string): Promise<SessionData | null>
  /** Writes a session this request created. May upsert: the sid is fresh and unguessable. */
  insert(sid: string, session: SessionData): Promise<void>
  /** Writes a session only if it still exists (never re-creates it); false when it is gone. */
  update(sid: string, session: SessionData): Promise<boolean>
  /** Deletes these sessions; resolves to how many existed. */
  destroyMany(sids: readonly string[]): Promise<number>
  /** The subset of these sids whose sessions exist and have not expired. */
  alive(sids: readonly string[]): Promise<Set<string>>
  /** When the store will consider this session expired. */
  expiryOf(session: SessionData): Date
  /** Deletes expired sessions; resolves to how many. */
  pruneExpired(): Promise<number>
  /**
   * Stored sessions whose data has an object under `key`, by ascending sid after `after`, at
   * most `limit`: pruning looks for signed-in sessions that have no registry record.
   */
  marked(key: string, after: string, limit: number): Promise<MarkedSession[]>
  /**
   * Runs `task` after each run of the store's own expiry timer, if it has one (the library
   * prunes what outlived the sessions it removed). Optional.
   */
  afterCleanup?(task: () => Promise<unknown>): void
  /** Creates the store's table when it is missing (`sync()` and `migrate()`). */
  createTable(): Promise<void>
  /** Whether the store's table exists (true for a store without one); rejects when it cannot ask. */
  ready(): Promise<boolean>
}

/**
 * A driver whose store can live in the registry's SQL database. When it does, a load and its
 * registry lookup are one joined query, and an end of sessions deletes the store's rows in the
 * registry's transaction (on PostgreSQL, in its single statement).
 */
export interface JoinedReadDriver extends StoreDriver {
  /** Tells the driver where the registry is (at creation). */
  attachRegistry(sequelize: Sequelize, table: string): void
  /** Whether the store's table and the registry are in one database (found out once). */
  joinsRegistry(): Promise<boolean>
  readWithRecord(sid: string): Promise<{
    data: SessionData
    recorded: boolean
    timesOutAt: Date | null
  } | null>
  /** Deletes these sessions in the registry's transaction. */
  destroyMany(sids: readonly string[], transaction?: Transaction): Promise<number>
  /**
   * The DELETE of these sessions as SQL for the registry's connection; with `alsoSidsOf`, the
   * name of a WITH clause of the same statement, also the sessions of the sids it returns.
   */
  deleteStatement(sids: readonly string[], alsoSidsOf?: string): string
}

export function hasJoinedRead(driver: StoreDriver): driver is JoinedReadDriver {
  const candidate = driver as Partial<JoinedReadDriver>
  return (
    typeof candidate.attachRegistry === 'function' &&
    typeof candidate.joinsRegistry === 'function' &&
    typeof candidate.readWithRecord === 'function'
  )
}
