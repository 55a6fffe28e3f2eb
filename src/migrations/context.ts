import type { QueryInterface } from 'sequelize'

export interface MigrationContext {
  queryInterface: QueryInterface
  /**
   * connect-session-sequelize's table (`Sessions`), which the migrations create; null for any
   * other store, which creates its own.
   */
  sessionTable: string | null
  /** The table of session records (`user_sessions` unless `tableName` says otherwise). */
  registryTable: string
  /** Why sessions ended (`session_endings`). */
  endingsTable: string
  /** The audit trail (`session_audit`). */
  auditTable: string
}

export type MigrationTables = Omit<MigrationContext, 'queryInterface'>

export interface Migration {
  name: string
  up(params: { context: MigrationContext }): Promise<void>
  down(params: { context: MigrationContext }): Promise<void>
}

/** showAllTables() gives strings on some dialects and `{ tableName }` objects on others. */
export async function tableNames(queryInterface: QueryInterface): Promise<string[]> {
  const tables = (await queryInterface.showAllTables()) as Array<string | { tableName: string }>
  return tables.map((table) => (typeof table === 'string' ? table : table.tableName))
}
