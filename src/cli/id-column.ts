const INTEGER_TYPE = /INT|SERIAL|NUMERIC|DECIMAL/i
const UUID_TYPE = /UUID/i
const INTEGER = /^-?\d{1,18}$/
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

/**
 * Whether `value` can be compared with an id column of this SQL type without a type error:
 * PostgreSQL refuses `uuid_column = '12'` outright, where the others merely match nothing.
 */
export function fitsIdType(columnType: string, value: string): boolean {
  if (INTEGER_TYPE.test(columnType)) return INTEGER.test(value)
  if (UUID_TYPE.test(columnType)) return UUID.test(value)
  return true
}

/**
 * A value the column cannot hold (SQLSTATE class 22, "data exception": `'12'` for a date, a
 * number out of range): for a lookup, that is no such row, not a failure.
 */
export function isDataException(error: unknown): boolean {
  const parent = (error as { parent?: { code?: unknown; sqlState?: unknown } } | null)?.parent
  const state = parent?.sqlState ?? parent?.code
  return typeof state === 'string' && /^22[0-9A-Z]{3}$/.test(state)
}
