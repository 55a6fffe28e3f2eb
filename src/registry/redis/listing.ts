import type { TimeRange } from '../../core/ports/registry.js'

/**
 * Listings of Redis records for an admin: Redis has no query language, so a filtered or sorted
 * page reads the candidates and filters and sorts them here, as SQL would (substrings
 * case-insensitive, ranges inclusive, ties broken by id in the same direction, nulls first).
 */
export function inRange(value: Date | null, range: TimeRange | undefined): boolean {
  if (!range) return true
  if (value === null) return !range.from && !range.to
  if (range.from && value < range.from) return false
  if (range.to && value > range.to) return false
  return true
}

export function contains(value: string | null, part: string | undefined): boolean {
  if (part === undefined) return true
  return (value ?? '').toLowerCase().includes(part.toLowerCase())
}

/** One page of `items`, sorted by `value(item)` then id. */
export function sortedPage<T extends { id: number }>(
  items: T[],
  sort: { by: string; direction: 'asc' | 'desc' },
  value: (item: T) => unknown,
  offset: number,
  limit: number,
): T[] {
  const sign = sort.direction === 'asc' ? 1 : -1
  const sorted = [...items].sort((a, b) => sign * (compare(value(a), value(b)) || a.id - b.id))
  return sorted.slice(offset, offset + limit)
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0
  if (a === null || a === undefined) return -1
  if (b === null || b === undefined) return 1
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime()
  if (typeof a === 'number' && typeof b === 'number') return a - b
  const [x, y] = [a as string, b as string]
  return x < y ? -1 : x > y ? 1 : 0
}
