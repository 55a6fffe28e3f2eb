import { createHash } from 'node:crypto'
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import type { NewSessionRecord } from '../../core/ports/registry.js'
import { withRetry } from './retry.js'
import { insertStatement, queryGeneratorOf } from './sql.js'
import type { UserSessionModel } from './user-session.model.js'

/**
 * Inserts a record only while the user has fewer than `limit` records, whatever mode or limit
 * recorded them, so that concurrent logins of one user (in any number of processes) never
 * admit more than `limit`. Resolves to whether it inserted.
 *
 * - PostgreSQL: a transaction-scoped advisory lock per user, then COUNT and INSERT.
 * - MariaDB/MySQL: a named lock per user around a locking COUNT and the INSERT. The lock is
 *   released before COMMIT (it belongs to the pooled connection, not the transaction); the
 *   next holder's locking read then waits for this insert to commit.
 * - SQLite: one conditional INSERT ... SELECT; the database runs one writer at a time and a
 *   writer whose read went stale is refused (and retried).
 */
export async function insertWithinLimit(
  model: UserSessionModel,
  record: NewSessionRecord,
  limit: number,
): Promise<boolean> {
  const sequelize = model.sequelize!
  const row = { ...record, lastSeenAt: record.createdAt }
  switch (sequelize.getDialect()) {
    case 'sqlite':
      return withRetry('record session within the limit', () =>
        conditionalInsert(model, row, limit),
      )
    case 'postgres':
      return withRetry('record session within the limit', () =>
        sequelize.transaction(async (transaction) => {
          await sequelize.query('SELECT pg_advisory_xact_lock(CAST(:key AS bigint))', {
            replacements: { key: lockKey(model.tableName, record.userId) },
            type: QueryTypes.SELECT,
            transaction,
          })
          return countThenInsert(model, row, limit, transaction, '')
        }),
      )
    default:
      return withRetry('record session within the limit', () =>
        sequelize.transaction(async (transaction) => {
          const name = lockName(model.tableName, record.userId)
          await acquireNamedLock(sequelize, name, transaction)
          try {
            return await countThenInsert(model, row, limit, transaction, ' LOCK IN SHARE MODE')
          } finally {
            await sequelize.query('SELECT RELEASE_LOCK(:name)', {
              replacements: { name },
              type: QueryTypes.SELECT,
              transaction,
            })
          }
        }),
      )
  }
}

type Row = NewSessionRecord & { lastSeenAt: Date }

async function countThenInsert(
  model: UserSessionModel,
  row: Row,
  limit: number,
  transaction: Transaction,
  lockingRead: string,
): Promise<boolean> {
  const [counted] = await model.sequelize!.query<{ n: unknown }>(
    `SELECT COUNT(*) AS n FROM ${table(model)} WHERE ${column(model, 'userId')} = :userId${lockingRead}`,
    { replacements: { userId: row.userId }, type: QueryTypes.SELECT, transaction },
  )
  if (Number(counted?.n ?? 0) >= limit) return false
  await model.create(row, { transaction })
  return true
}

async function conditionalInsert(
  model: UserSessionModel,
  row: Row,
  limit: number,
): Promise<boolean> {
  const sequelize = model.sequelize!
  const insert = /^(INSERT INTO [^(]+\([^)]*\)) VALUES \((.*)\)$/s.exec(
    insertStatement(model, [row]),
  )
  if (!insert) throw new Error('unexpected INSERT statement shape')
  // Values are escaped by Sequelize already: no replacements, which would parse them again.
  const sql =
    `${insert[1]} SELECT ${insert[2]} WHERE (SELECT COUNT(*) FROM ${table(model)}` +
    ` WHERE ${column(model, 'userId')} = ${sequelize.escape(row.userId)}) < ${Math.trunc(limit)}`
  const [, statement] = await sequelize.query(sql)
  return Number((statement as { changes?: number } | undefined)?.changes ?? 0) > 0
}

/** Waits for the user's named lock; GET_LOCK returns 0 on timeout, NULL on error. */
async function acquireNamedLock(
  sequelize: Sequelize,
  name: string,
  transaction: Transaction,
): Promise<void> {
  const [result] = await sequelize.query<{ locked: unknown }>(
    'SELECT GET_LOCK(:name, 30) AS locked',
    { replacements: { name }, type: QueryTypes.SELECT, transaction },
  )
  if (Number(result?.locked) !== 1) {
    throw Object.assign(new Error(`could not take the session limit lock ${name}`), {
      parent: { code: 'ER_LOCK_WAIT_TIMEOUT' },
    })
  }
}

/** A signed 64-bit key per (table, user) for PostgreSQL's advisory locks. */
function lockKey(tableName: string, userId: string): string {
  return digest(tableName, userId).readBigInt64BE(0).toString()
}

/** A lock name per (table, user), within MariaDB's 64-character limit. */
function lockName(tableName: string, userId: string): string {
  return `single-session:${digest(tableName, userId).toString('hex').slice(0, 40)}`
}

function digest(tableName: string, userId: string): Buffer {
  return createHash('sha256').update(`${tableName}\0${userId}`).digest()
}

function table(model: UserSessionModel): string {
  return queryGeneratorOf(model.sequelize!).quoteTable(model.tableName)
}

function column(model: UserSessionModel, attribute: 'userId'): string {
  const field = model.getAttributes()[attribute]?.field ?? attribute
  return queryGeneratorOf(model.sequelize!).quoteIdentifier(field)
}
