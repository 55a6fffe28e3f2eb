import { createHash } from 'node:crypto'

/** The key an ending is stored under: a hash, so that no session id is kept after it ends. */
export function endingRef(sid: string): string {
  return createHash('sha256').update(sid).digest('hex')
}

/** A short reference to a session for the audit trail: enough to correlate, useless to replay. */
export function sessionRef(sid: string): string {
  return endingRef(sid).slice(0, 12)
}
