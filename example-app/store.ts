/**
 * The example's express-session store, chosen by SESSION_STORE:
 *
 *   sequelize  (default) connect-session-sequelize, table "Sessions" in DATABASE_URL's database
 *   pg-simple  connect-pg-simple, table "session" in DATABASE_URL's database (postgres:// only),
 *              through its own pg pool
 *   memory     express-session's MemoryStore: one process only
 *
 * The library's own tables stay on the app's Sequelize instance whatever the store.
 */
import SequelizeStoreInit from 'connect-session-sequelize'
import PgSimpleInit from 'connect-pg-simple'
import session, { type Store } from 'express-session'
import type { Sequelize } from 'sequelize'

export const SESSION_STORES = ['sequelize', 'pg-simple', 'memory'] as const
export type SessionStoreKind = (typeof SESSION_STORES)[number]

export interface ExampleStore {
  kind: SessionStoreKind
  store: Store
  /** What to say about the store at start-up; null for the default. */
  notice: string | null
  /** Stops the store's timers and closes its own connections, if any. */
  close(): Promise<void>
}

const SequelizeStore = SequelizeStoreInit(session.Store)
const PgSimpleStore = PgSimpleInit(session)

/**
 * The store kind that SESSION_STORE names (unset or empty: sequelize), checked against the
 * database: fails, before anything is opened, with a sentence that says what to set.
 */
export function sessionStoreKind(value: string | undefined, databaseUrl: string): SessionStoreKind {
  const kind = value === undefined || value === '' ? 'sequelize' : value
  if (!(SESSION_STORES as readonly string[]).includes(kind)) {
    throw new Error(
      `SESSION_STORE must be sequelize (the default), pg-simple or memory; got ${JSON.stringify(kind)}`,
    )
  }
  if (kind === 'pg-simple' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // Only the scheme: the rest of a URL may hold a password.
    const scheme = /^[a-z]+:/i.exec(databaseUrl)?.[0] ?? 'an unknown'
    throw new Error(
      `SESSION_STORE=pg-simple needs DATABASE_URL=postgres://...; got a ${scheme} URL ` +
        '(set SESSION_STORE=sequelize or memory for SQLite and MariaDB)',
    )
  }
  return kind as SessionStoreKind
}

/** The store for `kind`, on the app's database (`sequelize`, opened from `databaseUrl`). */
export function createExampleStore(
  kind: SessionStoreKind,
  databaseUrl: string,
  sequelize: Sequelize,
): ExampleStore {
  switch (kind) {
    case 'sequelize': {
      const store = new SequelizeStore({ db: sequelize })
      return {
        kind,
        store,
        notice: null,
        close: () => {
          ;(store as unknown as { stopExpiringSessions(): void }).stopExpiringSessions()
          return Promise.resolve()
        },
      }
    }
    case 'pg-simple': {
      // Its default table, "session"; singleSession.migrate() creates it when missing.
      const store = new PgSimpleStore({ conString: databaseUrl })
      return {
        kind,
        store,
        notice: 'Sessions in connect-pg-simple (table "session").',
        // connect-pg-simple 10 resolves once its pool has ended (the types still say void).
        close: async () => {
          await (store.close() as unknown as Promise<void> | undefined)
        },
      }
    }
    case 'memory':
      return {
        kind,
        store: new session.MemoryStore(),
        notice:
          "Sessions in express-session's MemoryStore: one process only; they end when it stops.",
        close: () => Promise.resolve(),
      }
  }
}
