import { setTimeout as sleep } from 'node:timers/promises'
import type { Transaction } from 'sequelize'
import { log } from '../../log.js'

const MAX_ATTEMPTS = 8

/**
 * Deadlocks (InnoDB), serialization failures (PostgreSQL) and a busy SQLite file are normal
 * under concurrent logins: the statement did nothing and can be run again. Anything else
 * is a real failure and is thrown at once.
 *
 * Inside a transaction a failed statement has aborted the transaction: it is not retried here
 * but thrown, and `inTransaction` runs the whole transaction again.
 */
export async function withRetry<T>(
  what: string,
  run: () => Promise<T>,
  transaction?: Transaction,
): Promise<T> {
  if (transaction) return run()
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isTransient(error)) throw error
      log('%s: transient database error (%s), retry %d', what, errorCode(error), attempt)
      await sleep(5 * attempt + Math.floor(Math.random() * 10 * attempt))
    }
  }
}

function errorCode(error: unknown): string {
  const parent = (error as { parent?: { code?: string | number; errno?: string | number } }).parent
  return String(parent?.code ?? parent?.errno ?? (error as Error).name)
}

export function isTransient(error: unknown): boolean {
  const code = errorCode(error)
  const message = String((error as Error)?.message ?? '')
  return (
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    code === '1213' ||
    code === '1205' ||
    code === '40001' ||
    code === '40P01' ||
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_LOCKED' ||
    /SQLITE_BUSY|database is locked|Deadlock found/i.test(message)
  )
}
