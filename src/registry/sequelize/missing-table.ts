import type { Sequelize } from 'sequelize'

/** The driver codes of "no such table": PostgreSQL's SQLSTATE, MariaDB's error name. */
const MISSING_TABLE_CODES = new Set(['42P01', 'ER_NO_SUCH_TABLE'])

/**
 * Whether an error says that a table does not exist, on any of the dialects: a Sequelize error,
 * or a driver's own (connect-pg-simple queries through pg directly).
 */
export function isMissingTableError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && MISSING_TABLE_CODES.has(code)) return true
  const parent = (error as { parent?: { code?: unknown; message?: unknown } } | null)?.parent
  if (typeof parent?.code === 'string' && MISSING_TABLE_CODES.has(parent.code)) return true
  const message = typeof parent?.message === 'string' ? parent.message : ''
  return /no such table/i.test(message)
}

/**
 * The tables among `names` that do not exist. A failure to ask (the database is down) is thrown,
 * not taken for a missing table.
 */
export async function missingTables(
  sequelize: Sequelize,
  names: readonly string[],
): Promise<string[]> {
  const missing: string[] = []
  for (const name of names) {
    try {
      await sequelize.getQueryInterface().describeTable(name)
    } catch (error) {
      // Sequelize's describeTable says "No description found" for a table that does not exist.
      if (!isMissingTableError(error) && !/^No description found/.test(messageOf(error))) {
        throw error
      }
      missing.push(name)
    }
  }
  return missing
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
