import type { SessionData, Store } from 'express-session'
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import { log } from '../../log.js'
import { withRetry } from '../../registry/sequelize/retry.js'
import type { JoinedReadDriver, MarkedSession } from '../driver.js'
import { cookieExpiry, ONE_DAY_MS, parseSessionData, stock } from './stock.js'

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
export class PgSimpleStoreDriver implements JoinedReadDriver {
  readonly name = 'connect-pg-simple'
  readonly shared = true
  private registry: { sequelize: Sequelize; table: string } | null = null
  /** Whether the registry is in the store's database: settled once it could be found out. */
  private joined: Promise<boolean> | null = null

  constructor(readonly store: PgSimpleStore) {}

  attachRegistry(sequelize: Sequelize, table: string): void {
    if (sequelize.getDialect() === 'postgres') this.registry = { sequelize, table }
  }

  /**
   * Asks both connections which database they are in and which table the registry's name
   * resolves to: the same table from both (same server, database and oid) means one database.
   * Until the registry table exists (before the migration) the answer is no, and asked again.
   */
  joinsRegistry(): Promise<boolean> {
    const registry = this.registry
    if (!registry) return Promise.resolve(false)
    this.joined ??= this.probe(registry).then(
      (answer) => {
        if (answer === null) this.joined = null
        return answer ?? false
      },
      (error: unknown) => {
        this.joined = null
        log('could not tell whether the store shares the registry database: %O', error)
        return false
      },
    )
    return this.joined
  }

  private async probe(registry: { sequelize: Sequelize; table: string }): Promise<boolean | null> {
    const sql = (param: string) =>
      `SELECT current_database() AS db, pg_postmaster_start_time()::text AS started,` +
      ` coalesce(inet_server_addr()::text, '') || ':' || coalesce(inet_server_port()::text, '') AS server,` +
      ` to_regclass(${param})::oid::text AS registry`
    const quoted = `"${registry.table}"`
    const fromStore = await this.store._asyncQuery(sql('$1::text'), [quoted], true)
    const [fromRegistry] = await registry.sequelize.query<Record<string, unknown>>(
      sql(':table::text'),
      { replacements: { table: quoted }, type: QueryTypes.SELECT },
    )
    if (!fromStore || !fromRegistry) return null
    const same = (['db', 'started', 'server'] as const).every(
      (key) => fromStore[key] === fromRegistry[key],
    )
    if (!same) return false
    if (fromStore.registry == null || fromRegistry.registry == null) return null
    const joined = fromStore.registry === fromRegistry.registry
    log('connect-pg-simple %s the registry database', joined ? 'shares' : 'does not share')
    return joined
  }

  /** The session and, in the same query on the store's pool, its registry record. */
  async readWithRecord(
    sid: string,
  ): Promise<{ data: SessionData; recorded: boolean; timesOutAt: Date | null } | null> {
    const row = await this.store._asyncQuery(
      `SELECT s.sess, r.sid AS recorded, r."timesOutAt" AS "timesOutAt" FROM ${this.tableName} s` +
        ` LEFT JOIN "${this.registry!.table}" r ON r.sid = s.sid` +
        ` WHERE s.sid = $1 AND s.expire >= now()`,
      [sid],
    )
    if (!row) return null
    const data = parseSessionData(row.sess)
    if (!data) return null
    return {
      data,
      recorded: row.recorded != null,
      timesOutAt: row.timesOutAt == null ? null : new Date(row.timesOutAt as string | Date),
    }
  }

  /** In the registry's transaction: the statement goes through the registry's connection. */
  private async destroyWith(
    sequelize: Sequelize,
    sids: readonly string[],
    transaction: Transaction,
  ): Promise<number> {
    let destroyed = 0
    for (let i = 0; i < sids.length; i += BATCH) {
      const [row] = await withRetry(
        'destroy sessions',
        () =>
          sequelize.query<{ n: number }>(
            `WITH gone AS (${this.deleteStatement(sids.slice(i, i + BATCH))} RETURNING 1)` +
              ` SELECT count(*)::int AS n FROM gone`,
            { type: QueryTypes.SELECT, transaction },
          ),
        transaction,
      )
      destroyed += Number(row?.n ?? 0)
    }
    return destroyed
  }

  deleteStatement(sids: readonly string[], alsoSidsOf?: string): string {
    const sequelize = this.registry!.sequelize
    // One array, not `IN (...) OR IN (SELECT ...)`: PostgreSQL plans the OR as a scan.
    const given = `ARRAY[${sids.map((sid) => sequelize.escape(sid)).join(', ')}]::text[]`
    const also = alsoSidsOf ? ` || ARRAY(SELECT sid::text FROM "${alsoSidsOf}")` : ''
    return `DELETE FROM ${this.tableName} WHERE sid = ANY(${given}${also})`
  }

  get tableName(): string {
    return this.store.quotedTable()
  }

  async read(sid: string): Promise<SessionData | null> {
    const row = await this.store._asyncQuery(
      `SELECT sess FROM ${this.tableName} WHERE sid = $1 AND expire >= now()`,
      [sid],
    )
    return row ? parseSessionData(row.sess) : null
  }

  insert(sid: string, session: SessionData): Promise<void> {
    return stock(this.store, 'set', sid, session)
  }

  async update(sid: string, session: SessionData): Promise<boolean> {
    const row = await this.store._asyncQuery(
      `UPDATE ${this.tableName} SET sess = $1, expire = to_timestamp($2) WHERE sid = $3 RETURNING sid`,
      [session, this.expiryOf(session).getTime() / 1000, sid],
    )
    return row !== undefined
  }

  async destroyMany(sids: readonly string[], transaction?: Transaction): Promise<number> {
    if (transaction && this.registry) {
      return this.destroyWith(this.registry.sequelize, sids, transaction)
    }
    let destroyed = 0
    for (let i = 0; i < sids.length; i += BATCH) {
      const row = await this.store._asyncQuery(
        `WITH gone AS (DELETE FROM ${this.tableName} WHERE sid = ANY($1::text[]) RETURNING 1)` +
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
        `SELECT coalesce(array_agg(sid), '{}') AS sids FROM ${this.tableName}` +
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
      `WITH gone AS (DELETE FROM ${this.tableName} WHERE expire < now() RETURNING 1)` +
        ` SELECT count(*)::int AS n FROM gone`,
    )
    return Number(row?.n ?? 0)
  }

  async marked(key: string, after: string, limit: number): Promise<MarkedSession[]> {
    const row = await this.store._asyncQuery(
      `SELECT coalesce(json_agg(json_build_object('sid', sid, 'sess', sess) ORDER BY sid), '[]') AS rows` +
        ` FROM (SELECT sid, sess FROM ${this.tableName}` +
        ` WHERE json_typeof(sess -> $1::text) = 'object' AND sid > $2 ORDER BY sid LIMIT $3) marked`,
      [key, after, limit],
    )
    const rows = (row?.rows as Array<{ sid: string; sess: unknown }> | undefined) ?? []
    return rows.flatMap(({ sid, sess }) => {
      const data = parseSessionData(sess)
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

  /** With its `createTableIfMissing`, the store creates its table here, as on any query. */
  async ready(): Promise<boolean> {
    const row = await this.store._asyncQuery('SELECT to_regclass($1::text) AS found', [
      this.tableName,
    ])
    return row?.found != null
  }
}

const BATCH = 5000
