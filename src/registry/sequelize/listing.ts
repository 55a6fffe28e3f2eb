import { Op, type Order, type Sequelize, type WhereOptions } from 'sequelize'
import type { PageQuery, StorageLocation, TimeRange } from '../../core/ports/registry.js'

/** A time range as a condition on one column; null when it has no end. */
export function rangeCondition(range: TimeRange | undefined): Record<symbol, Date> | null {
  if (!range) return null
  const condition: Record<symbol, Date> = {}
  if (range.from) condition[Op.gte] = range.from
  if (range.to) condition[Op.lte] = range.to
  return Object.getOwnPropertySymbols(condition).length > 0 ? condition : null
}

/** The conditions that are given, as one WHERE (ranges and substrings included). */
export function whereOf(
  exact: Record<string, string | number | undefined>,
  contains: Record<string, string | undefined>,
  ranges: Record<string, TimeRange | undefined>,
): WhereOptions {
  const where: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(exact)) {
    if (value !== undefined) where[column] = value
  }
  for (const [column, value] of Object.entries(contains)) {
    if (value !== undefined) where[column] = { [Op.substring]: value }
  }
  for (const [column, range] of Object.entries(ranges)) {
    const condition = rangeCondition(range)
    if (condition) where[column] = condition
  }
  return where
}

/** The sort of a page, ties broken by id in the same direction. */
export function orderOf<Key extends string>(sort: PageQuery<unknown, Key>['sort']): Order {
  const direction = sort.direction === 'asc' ? 'ASC' : 'DESC'
  return sort.by === 'id'
    ? [['id', direction]]
    : [
        [sort.by, direction],
        ['id', direction],
      ]
}

/** Where a Sequelize model's rows live, named as the AdminJS Sequelize adapter names them. */
export function locationOf(sequelize: Sequelize): StorageLocation {
  const { options } = sequelize as unknown as {
    options: { database?: string; host?: string; dialect?: string }
  }
  return {
    name: options.database || options.host || 'Sequelize',
    type: options.dialect || 'other',
  }
}
