import { randomBytes } from 'node:crypto'
import SequelizeStoreInit from 'connect-session-sequelize'
import session from 'express-session'
import { QueryTypes, type Sequelize } from 'sequelize'
import { createSingleSession } from '../src/index.js'
import { queryGeneratorOf } from '../src/registry/sequelize/sql.js'
import { createStoreTable, PG_SIMPLE_TABLE, registryServer, type StoreKind } from './stores.js'
import {
  dialectOf,
  scratchDatabase,
  type Dialect,
  type TestDatabase,
} from '../test/support/database.js'

export type { Dialect }

export const SESSION_TABLE = 'Sessions'
export const REGISTRY_TABLE = 'user_sessions'

/** The server the benchmarks run against: BENCH_DATABASE_URL, SQLite files without it. */
export function benchDialect(): Dialect {
  return dialectOf(process.env.BENCH_DATABASE_URL, 'BENCH_DATABASE_URL')
}

export interface BenchDatabase extends TestDatabase {
  dialect: Dialect
  /** The express-session store the benchmark runs on. */
  store: StoreKind
}

/**
 * A new, empty database for one benchmark, with the library's tables created by its own
 * migrations (so the indexes are the real ones), and the store's table: a temporary file on
 * SQLite, a database created on the server otherwise, dropped afterwards. The registry of a
 * MemoryStore benchmark is on SQLite whatever BENCH_DATABASE_URL says.
 */
export async function freshDatabase(
  label: string,
  store: StoreKind = 'sequelize',
): Promise<BenchDatabase> {
  const name = `ssbench_${label.replace(/\W/g, '_').slice(0, 30)}_${randomBytes(3).toString('hex')}`
  const server = registryServer(store)
  const db = await scratchDatabase(server, name)
  await migrateTables(db.sequelize)
  await createStoreTable(store, db.url, db.sequelize)
  return { ...db, dialect: dialectOf(server, 'BENCH_DATABASE_URL'), store }
}

/** Runs the library's migrations through a throwaway instance on the database. */
async function migrateTables(sequelize: Sequelize): Promise<void> {
  const SequelizeStore = SequelizeStoreInit(session.Store)
  const store = new SequelizeStore({ db: sequelize, checkExpirationInterval: 0 })
  await createSingleSession({ store }).migrate()
}

export async function serverVersion(db: BenchDatabase): Promise<string> {
  const sql = db.dialect === 'sqlite' ? 'SELECT sqlite_version() AS v' : 'SELECT version() AS v'
  const [row] = await db.sequelize.query<{ v: string }>(sql, { type: QueryTypes.SELECT })
  const version = String(row?.v ?? '?')
  return db.dialect === 'sqlite' ? `SQLite ${version}` : version.split(' on ')[0]!.slice(0, 60)
}

export function quoteTable(sequelize: Sequelize, name: string): string {
  return queryGeneratorOf(sequelize).quoteTable(name)
}

export function quoteName(sequelize: Sequelize, name: string): string {
  return queryGeneratorOf(sequelize).quoteIdentifier(name)
}

export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'

/** Rows per INSERT ... SELECT statement. */
const FILL_CHUNK = 50_000

/**
 * The sessions of a group of users, written straight into the store's table and the registry
 * with INSERT ... SELECT over a generated series (no round trip per row). Row `n` (a global
 * counter, so sids never repeat) gets a 32-character sid whose first 8 characters are a hash
 * of `n` (so the rows land all over the sid index, as random sids do) and belongs to user
 * `firstUserId + floor((n - start) / perUser)`. Each session is ~300 bytes of JSON with the
 * plugin's marker, expires tomorrow, and is recorded in the registry in `n` order (older
 * sessions of a user get lower ids).
 */
export class Filler {
  private next = 1

  /**
   * `memory`: the `sessions` object of the MemoryStore of a `memory` benchmark, when it lives in
   * this process; without it only the registry is filled on that store.
   */
  constructor(
    private readonly db: BenchDatabase,
    private readonly memory?: Record<string, string>,
  ) {}

  /** Rows written so far. */
  get written(): number {
    return this.next - 1
  }

  async fill(users: number, perUser: number, firstUserId: number): Promise<void> {
    const total = users * perUser
    const start = this.next
    this.next += total
    const run = async () => {
      for (let from = start; from < start + total; from += FILL_CHUNK) {
        const to = Math.min(start + total, from + FILL_CHUNK) - 1
        await this.insertRange(from, to, start, perUser, firstUserId)
        if (this.memory) this.fillMemory(from, to, start, perUser, firstUserId)
      }
    }
    // SQLite: one transaction for the whole fill, or every statement is its own fsync'd commit.
    if (this.db.dialect === 'sqlite') await this.db.sequelize.transaction(run)
    else await run()
  }

  private async insertRange(
    from: number,
    to: number,
    start: number,
    perUser: number,
    firstUserId: number,
  ): Promise<void> {
    const { sequelize, dialect } = this.db
    const q = (name: string) => quoteName(sequelize, name)
    const concat = (...parts: string[]) =>
      dialect === 'sqlite' ? parts.join(' || ') : `CONCAT(${parts.join(', ')})`
    const div = dialect === 'mariadb' ? 'DIV' : '/'
    const text = dialect === 'mariadb' ? 'CHAR' : 'TEXT'
    const sid =
      dialect === 'sqlite'
        ? `printf('%08x%024d', (n * 2654435761) % 4294967296, n)`
        : dialect === 'postgres'
          ? `lpad(to_hex((n * 2654435761) % 4294967296), 8, '0') || lpad(CAST(n AS TEXT), 24, '0')`
          : `CONCAT(LPAD(LOWER(HEX((n * 2654435761) % 4294967296)), 8, '0'), LPAD(n, 24, '0'))`
    const userId = `CAST((${firstUserId} + (n - ${start}) ${div} ${perUser}) AS ${text})`
    const now = Date.now()
    const expires = new Date(now + 86_400_000)
    const data = concat(
      `'{"cookie":{"originalMaxAge":86400000,"expires":"${expires.toISOString()}","secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"singleSession":{"uid":"'`,
      userId,
      `'","at":${now - 3_600_000},"seen":${now - 3_600_000}},"userId":'`,
      userId,
      `',"theme":"dark","returnTo":"/admin/resources/orders/records?page=2&perPage=20"}'`,
    )
    const series = (select: string) =>
      dialect === 'postgres'
        ? `${select} FROM generate_series(CAST(${from} AS BIGINT), CAST(${to} AS BIGINT)) AS seq(n)`
        : dialect === 'mariadb'
          ? // MariaDB's Sequence engine (a recursive CTE stops at max_recursive_iterations).
            `${select} FROM (SELECT seq AS n FROM seq_${from}_to_${to}) AS s`
          : `WITH RECURSIVE seq(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM seq WHERE n < ${to}) ${select} FROM seq`
    const insert = (table: string, columns: string[], select: string) =>
      dialect === 'sqlite'
        ? // SQLite wants the WITH before the INSERT.
          series(select).replace(
            /\) SELECT /,
            `) INSERT INTO ${quoteTable(sequelize, table)} (${columns.map(q).join(', ')}) SELECT `,
          )
        : `INSERT INTO ${quoteTable(sequelize, table)} (${columns.map(q).join(', ')}) ${series(select)}`
    const replacements = { expires, created: new Date(now - 3_600_000) }
    if (this.db.store === 'sequelize') {
      await sequelize.query(
        insert(
          SESSION_TABLE,
          ['sid', 'expires', 'data', 'createdAt', 'updatedAt'],
          `SELECT ${sid}, :expires, ${data}, :created, :created`,
        ),
        { replacements },
      )
    } else if (this.db.store === 'pg-simple') {
      await sequelize.query(
        insert(
          PG_SIMPLE_TABLE,
          ['sid', 'sess', 'expire'],
          `SELECT ${sid}, CAST(${data} AS JSON), :expires`,
        ),
        { replacements },
      )
    }
    await sequelize.query(
      insert(
        REGISTRY_TABLE,
        ['sid', 'userId', 'slot', 'createdAt', 'lastSeenAt', 'expiresAt', 'ip', 'userAgent'],
        `SELECT ${sid}, ${userId}, NULL, :created, :created, :expires, '127.0.0.1', '${USER_AGENT}'`,
      ),
      { replacements },
    )
  }

  /** The same sessions as insertRange, written into the in-process MemoryStore. */
  private fillMemory(
    from: number,
    to: number,
    start: number,
    perUser: number,
    firstUserId: number,
  ): void {
    const now = Date.now()
    const expires = new Date(now + 86_400_000).toISOString()
    for (let n = from; n <= to; n++) {
      const hash = Number((BigInt(n) * 2654435761n) % 4294967296n)
      const sid = hash.toString(16).padStart(8, '0') + String(n).padStart(24, '0')
      const userId = String(firstUserId + Math.floor((n - start) / perUser))
      this.memory![sid] = JSON.stringify({
        cookie: {
          originalMaxAge: 86400000,
          expires,
          secure: false,
          httpOnly: true,
          path: '/',
          sameSite: 'lax',
        },
        singleSession: { uid: userId, at: now - 3_600_000, seen: now - 3_600_000 },
        userId,
        theme: 'dark',
        returnTo: '/admin/resources/orders/records?page=2&perPage=20',
      })
    }
  }

  /** Planner statistics, as autovacuum would have them on a live PostgreSQL after a big insert. */
  async analyze(): Promise<void> {
    if (this.db.dialect === 'postgres') await this.db.sequelize.query('ANALYZE')
  }
}

/** Sessions in the store of a benchmark (`memory`: the in-process MemoryStore's). */
export async function countStored(
  db: BenchDatabase,
  memory?: Record<string, string>,
): Promise<number> {
  if (db.store === 'memory') return Object.keys(memory ?? {}).length
  return countRows(db, db.store === 'pg-simple' ? PG_SIMPLE_TABLE : SESSION_TABLE)
}

export async function countRows(db: BenchDatabase, table: string): Promise<number> {
  const [row] = await db.sequelize.query<{ c: number | string }>(
    `SELECT COUNT(*) AS c FROM ${quoteTable(db.sequelize, table)}`,
    { type: QueryTypes.SELECT },
  )
  return Number(row?.c ?? 0)
}
