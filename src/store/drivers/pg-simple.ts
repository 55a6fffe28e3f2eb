import type { SessionData, Store } from 'express-session'
import type { MarkedSession, StoreDriver } from '../driver.js'
import { cookieExpiry, ONE_DAY_MS, stock } from './stock.js'

/** The parts of connect-pg-simple's store (9 and 10) the driver relies on. */
interface PgSimpleStore extends Store {
  ttl?: number
  quotedTable(): string
  /** Runs one query on the store's own pool or pg-promise; resolves to the first row. */
  _asyncQuery(
    query: string,
    params?: unknown[],
    noTableCreation?: boolean,
  ): Promise<Record<string, unknown> | undefined>
  _rawEnsureSessionStoreTable(): Promise<void>
  pruneSessions(callback?: (err: Error | null) => void): void
}

export function isPgSimpleStore(store: unknown): store is PgSimpleStore {
  const candidate = store as Partial<PgSimpleStore> | null
  return (
    typeof candidate?.quotedTable === 'function' &&
    typeof candidate._asyncQuery === 'function' &&
    typeof candidate._rawEnsureSessionStoreTable === 'function' &&
    typeof candidate.pruneSessions === 'function'
  )
}

/**
 * connect-pg-simple 9 and 10, through the store's own connection (pool or pg-promise), so the
 * sessions stay where the app put them. Saves of known sessions are `UPDATE ... WHERE sid` (the
 * stock store upserts), a bulk end is one `DELETE ... WHERE sid = ANY($1)` per batch. Its
 * `createTableIfMissing` and `pruneSessionInterval` work as they always do.
 *
 * The store's query helper returns one row, so lists come back aggregated into one.
 */
export class PgSimpleStoreDriver implements StoreDriver {
  readonly name = 'connect-pg-simple'
  readonly shared = true

  constructor(readonly store: PgSimpleStore) {}

  get tableName(): string {
    return this.store.quotedTable()
  }

  private get table(): string {
    return this.store.quotedTable()
  }

  async read(sid: string): Promise<SessionData | null> {
    const row = await this.store._asyncQuery(
      `SELECT sess FROM ${this.table} WHERE sid = $1 AND expire >= now()`,
      [sid],
    )
    return row ? parsed(row.sess) : null
  }

  insert(sid: string, session: SessionData): Promise<void> {
    return stock(this.store, 'set', sid, session)
  }

  async update(sid: string, session: SessionData): Promise<boolean> {
    const row = await this.store._asyncQuery(
      `UPDATE ${this.table} SET sess = $1, expire = to_timestamp($2) WHERE sid = $3 RETURNING sid`,
      [session, this.expiryOf(session).getTime() / 1000, sid],
    )
    return row !== undefined
  }

  async destroyMany(sids: readonly string[]): Promise<number> {
    let destroyed = 0
    for (let i = 0; i < sids.length; i += BATCH) {
      const row = await this.store._asyncQuery(
        `WITH gone AS (DELETE FROM ${this.table} WHERE sid = ANY($1::text[]) RETURNING 1)` +
          ` SELECT count(*)::int AS n FROM gone`,
        [sids.slice(i, i + BATCH)],
      )
      destroyed += Number(row?.n ?? 0)
    }
    return destroyed
  }

  async alive(sids: readonly string[]): Promise<Set<string>> {
    const alive = new Set<string>()
    for (let i = 0; i < sids.length; i += BATCH) {
      const row = await this.store._asyncQuery(
        `SELECT coalesce(array_agg(sid), '{}') AS sids FROM ${this.table}` +
          ` WHERE sid = ANY($1::text[]) AND expire >= now()`,
        [sids.slice(i, i + BATCH)],
      )
      for (const sid of (row?.sids as string[] | undefined) ?? []) alive.add(sid)
    }
    return alive
  }

  /** As the store computes it: the cookie's expiry, else its `ttl` (seconds) or a day. */
  expiryOf(session: SessionData): Date {
    return cookieExpiry(session, this.store.ttl ? this.store.ttl * 1000 : ONE_DAY_MS)
  }

  async pruneExpired(): Promise<number> {
    const row = await this.store._asyncQuery(
      `WITH gone AS (DELETE FROM ${this.table} WHERE expire < now() RETURNING 1)` +
        ` SELECT count(*)::int AS n FROM gone`,
    )
    return Number(row?.n ?? 0)
  }

  async marked(key: string, after: string, limit: number): Promise<MarkedSession[]> {
    const row = await this.store._asyncQuery(
      `SELECT coalesce(json_agg(json_build_object('sid', sid, 'sess', sess) ORDER BY sid), '[]') AS rows` +
        ` FROM (SELECT sid, sess FROM ${this.table}` +
        ` WHERE json_typeof(sess -> $1::text) = 'object' AND sid > $2 ORDER BY sid LIMIT $3) marked`,
      [key, after, limit],
    )
    const rows = (row?.rows as Array<{ sid: string; sess: unknown }> | undefined) ?? []
    return rows.flatMap(({ sid, sess }) => {
      const data = parsed(sess)
      return data ? [{ sid, data }] : []
    })
  }

  /** After each run of the store's prune timer (it reschedules itself through this method). */
  afterCleanup(task: () => Promise<unknown>): void {
    const store = this.store
    const original = store.pruneSessions.bind(store)
    store.pruneSessions = (callback) => {
      // Called without a callback by its timer, which it reschedules only then.
      if (!callback) {
        original()
        void task()
        return
      }
      original((err) => {
        callback(err)
        if (!err) void task()
      })
    }
  }

  createTable(): Promise<void> {
    return this.store._rawEnsureSessionStoreTable()
  }

  async ready(): Promise<boolean> {
    const row = await this.store._asyncQuery(
      'SELECT to_regclass($1::text) AS found',
      [this.table],
      true,
    )
    return row?.found != null
  }
}

const BATCH = 5000

function parsed(sess: unknown): SessionData | null {
  if (typeof sess !== 'string') return (sess as SessionData | null) ?? null
  try {
    return JSON.parse(sess) as SessionData
  } catch {
    return null
  }
}
