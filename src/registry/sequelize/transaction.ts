import { Transaction, type Sequelize } from 'sequelize'
import { withRetry } from './retry.js'

/**
 * Runs `work` as one transaction, retried whole on a deadlock or serialization failure, where
 * the database lets concurrent writers wait on row locks (PostgreSQL, MariaDB, MySQL): its writes
 * commit together, once. On SQLite `work` gets no transaction and each write commits on its own:
 * Sequelize runs an SQLite transaction on a connection of its own, which would lock the file
 * against the app's connection instead of queueing behind it.
 *
 * On MariaDB/MySQL the transaction is READ COMMITTED: under the default REPEATABLE READ, deleting
 * records by id locks the gap of an id that is already gone, which for the newest ids is the
 * gap every login's INSERT needs; racing logins then deadlock until their retries run out. The
 * work needs atomic writes, not a repeatable snapshot.
 */
export async function inTransaction<T>(
  sequelize: Sequelize,
  what: string,
  work: (transaction: Transaction | undefined) => Promise<T>,
): Promise<T> {
  const dialect = sequelize.getDialect()
  if (dialect === 'sqlite') return work(undefined)
  const options =
    dialect === 'mariadb' || dialect === 'mysql'
      ? { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED }
      : {}
  return withRetry(what, () => sequelize.transaction(options, (transaction) => work(transaction)))
}
