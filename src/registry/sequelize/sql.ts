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

/**
 * `DELETE FROM table WHERE sid IN (...)` for a model with a `sid` attribute; with `alsoSidsOf`
 * (the name of a WITH clause that returns a `sid` column), also the rows of those sids, in
 * PostgreSQL's syntax (the only dialect that deletes in a WITH clause).
 */
export function deleteBySidStatement<M extends Model>(
  model: ModelStatic<M>,
  sids: readonly string[],
  alsoSidsOf?: string,
): string {
  const generator = queryGeneratorOf(model.sequelize!)
  const sql = generator
    .deleteQuery(model.tableName, { sid: [...sids] }, {}, model)
    .replace(/;\s*$/, '')
  if (!alsoSidsOf) return sql
  // One array, not `IN (...) OR IN (SELECT ...)`: PostgreSQL plans that OR as a scan of the
  // whole store table, and `= ANY(array)` as index lookups.
  const sequelize = model.sequelize!
  const sid = generator.quoteIdentifier(model.getAttributes().sid?.field ?? 'sid')
  const given = `ARRAY[${sids.map((value) => sequelize.escape(value)).join(', ')}]::text[]`
  const fromClause = `ARRAY(SELECT ${generator.quoteIdentifier('sid')}::text FROM ${generator.quoteIdentifier(alsoSidsOf)})`
  return `DELETE FROM ${generator.quoteTable(model.tableName)} WHERE ${sid} = ANY(${given} || ${fromClause})`
}

/** `DELETE FROM table WHERE id IN (...)`, without the `;`. */
export function deleteByIdStatement<M extends Model>(
  model: ModelStatic<M>,
  ids: readonly number[],
): string {
  return queryGeneratorOf(model.sequelize!)
    .deleteQuery(model.tableName, { id: [...ids] }, {}, model)
    .replace(/;\s*$/, '')
}
