import type { Model, ModelStatic, Sequelize } from 'sequelize'

/**
 * The parts of Sequelize's query generator the library builds statements with. Every value goes
 * through its escaping; no SQL is assembled from raw values.
 */
export interface QueryGenerator {
  quoteIdentifier(name: string): string
  quoteTable(name: string): string
  bulkInsertQuery(
    table: string,
    rows: readonly object[],
    options: { ignoreDuplicates?: boolean },
    attributes: Record<string, unknown>,
  ): string
  deleteQuery(
    table: string,
    where: Record<string, unknown>,
    options: Record<string, never>,
    model: ModelStatic<Model>,
  ): string
}

export function queryGeneratorOf(sequelize: Sequelize): QueryGenerator {
  return (sequelize.getQueryInterface() as unknown as { queryGenerator: QueryGenerator })
    .queryGenerator
}

/** `INSERT INTO table (...) VALUES (...), ...` for these rows of a model, without the `;`. */
export function insertStatement<M extends Model>(
  model: ModelStatic<M>,
  rows: readonly object[],
  options: { ignoreDuplicates?: boolean } = {},
): string {
  const sql = queryGeneratorOf(model.sequelize!).bulkInsertQuery(
    model.tableName,
    rows,
    options,
    model.getAttributes(),
  )
  return sql.replace(/;\s*$/, '')
}

/** `DELETE FROM table WHERE sid IN (...)` for a model with a `sid` attribute. */
export function deleteBySidStatement<M extends Model>(
  model: ModelStatic<M>,
  sids: readonly string[],
): string {
  return queryGeneratorOf(model.sequelize!).deleteQuery(
    model.tableName,
    { sid: [...sids] },
    {},
    model,
  )
}
