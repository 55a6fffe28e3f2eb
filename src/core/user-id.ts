import { ErrorCodes, SingleSessionError } from '../errors.js'

/** Longest user id the registry stores (fits an indexed VARCHAR on MariaDB with utf8mb4). */
export const MAX_USER_ID_LENGTH = 191

/**
 * Numeric and string ids of one user are the same user: the registry keys everything by the
 * string form. Anything else (objects, NaN, empty strings) is refused rather than guessed at.
 */
export function normalizeUserId(id: unknown): string {
  let text: string
  if (typeof id === 'string') text = id.trim()
  else if (typeof id === 'number' && Number.isSafeInteger(id)) text = String(id)
  else if (typeof id === 'bigint') text = id.toString()
  else {
    throw new SingleSessionError(
      ErrorCodes.INVALID_USER_ID,
      `A user id must be a string or an integer; got ${id === null ? 'null' : typeof id}`,
    )
  }
  if (text.length === 0 || text.length > MAX_USER_ID_LENGTH) {
    throw new SingleSessionError(
      ErrorCodes.INVALID_USER_ID,
      `A user id must be 1 to ${MAX_USER_ID_LENGTH} characters long`,
    )
  }
  return text
}

/** Normalizes and de-duplicates a list of ids, keeping the order of first appearance. */
export function normalizeUserIds(ids: readonly unknown[]): string[] {
  return [...new Set(ids.map(normalizeUserId))]
}
