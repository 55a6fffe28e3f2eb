import SequelizeStoreInit from 'connect-session-sequelize'
import PgSimpleInit from 'connect-pg-simple'
import session, { type Store } from 'express-session'
import type { Sequelize } from 'sequelize'
import { createSingleSession } from '../src/index.js'

/**
 * The express-session stores the benchmarks can run on. `sequelize` (the default) keeps the
 * sessions in the registry's database and its `Sessions` table; `pg-simple` in
 * connect-pg-simple's `session` table of the same PostgreSQL database, through its own pool;
 * `memory` in express-session's MemoryStore, with the registry on SQLite.
 */
export type StoreKind = 'sequelize' | 'pg-simple' | 'memory'

export const STORE_KINDS: readonly StoreKind[] = ['sequelize', 'pg-simple', 'memory']

export const STORE_LABELS: Record<StoreKind, string> = {
  sequelize: 'connect-session-sequelize',
  'pg-simple': 'connect-pg-simple',
  memory: 'MemoryStore',
}

/** connect-pg-simple's table. */
export const PG_SIMPLE_TABLE = 'session'

const SequelizeStore = SequelizeStoreInit(session.Store)
const PgSimpleStore = PgSimpleInit(session)

export function parseStoreKind(value: string): StoreKind {
  if (!STORE_KINDS.includes(value as StoreKind)) {
    throw new Error(`unknown store ${value}: ${STORE_KINDS.join(', ')}`)
  }
  return value as StoreKind
}

/**
 * The server the registry of a benchmark on this store lives on: BENCH_DATABASE_URL, except for
 * MemoryStore, whose registry is on SQLite (undefined). connect-pg-simple needs PostgreSQL.
 */
export function registryServer(kind: StoreKind): string | undefined {
  const url = process.env.BENCH_DATABASE_URL
  if (kind === 'memory') return undefined
  if (kind === 'pg-simple' && !url?.startsWith('postgres')) {
    throw new Error('the pg-simple store needs BENCH_DATABASE_URL=postgres://...')
  }
  return url
}

/** A new store of this kind on the database at `url` (held by `sequelize`). */
export function createStore(kind: StoreKind, url: string, sequelize: Sequelize): Store {
  switch (kind) {
    case 'sequelize':
      return new SequelizeStore({ db: sequelize, checkExpirationInterval: 0 })
    case 'pg-simple':
      return new PgSimpleStore({ conString: url, pruneSessionInterval: false })
    case 'memory':
      return new session.MemoryStore()
  }
}

/** Creates the store's table (connect-pg-simple's `session`), as `migrate()` does in an app. */
export async function createStoreTable(
  kind: StoreKind,
  url: string,
  sequelize: Sequelize,
): Promise<void> {
  if (kind !== 'pg-simple') return
  const store = createStore(kind, url, sequelize)
  try {
    await createSingleSession({ store, sequelize }).migrate()
  } finally {
    await closeStore(store)
  }
}

export async function closeStore(store: Store): Promise<void> {
  await (store as { close?: () => Promise<void> }).close?.()
}

/**
 * Counts the queries a connect-pg-simple store runs on its own pool (all of them go through its
 * `_asyncQuery`): the statements that Sequelize's `logging` hook does not see. A no-op for the
 * other stores.
 */
export function storeQueryLog(store: Store): { lines: string[]; on: boolean } {
  const log = { lines: [] as string[], on: false }
  const target = store as unknown as {
    _asyncQuery?: (query: string, ...rest: unknown[]) => Promise<unknown>
  }
  const original = target._asyncQuery
  if (typeof original !== 'function') return log
  target._asyncQuery = function (this: unknown, query: string, ...rest: unknown[]) {
    if (log.on) log.lines.push(`Executing (pg-simple): ${query}`)
    return original.call(this, query, ...rest)
  }
  return log
}
