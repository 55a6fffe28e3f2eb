import type { Sequelize, Transaction } from 'sequelize'
import { withRetry } from './retry.js'

/**
 * Runs `work` as one transaction, retried whole on a deadlock or serialization failure, where
 * the database lets concurrent writers wait on row locks (PostgreSQL, MariaDB, MySQL): its writes
 * commit together, once. On SQLite `work` gets no transaction and each write commits on its own:
 * Sequelize runs an SQLite transaction on a connection of its own, which would lock the file
 * against the app's connection instead of queueing behind it.
 */
export async function inTransaction<T>(
  sequelize: Sequelize,
  what: string,
  work: (transaction: Transaction | undefined) => Promise<T>,
): Promise<T> {
  if (sequelize.getDialect() === 'sqlite') return work(undefined)
  return withRetry(what, () => sequelize.transaction((transaction) => work(transaction)))
}
