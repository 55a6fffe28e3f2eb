/**
 * What a logged-in session carries: its owner and its timestamps. Kept tiny; the registry
 * record holds the rest.
 */
export interface SessionMarker {
  /** Normalized user id. */
  uid: string
  /** Login time, ms since the epoch. */
  at: number
  /** Last time last-seen was written, ms since the epoch. */
  seen: number
  /** The session's idle timeout in ms, when it has one (fixed at login). */
  idle?: number
  /** The session's absolute timeout in ms, when it has one (fixed at login). */
  abs?: number
}

export function readMarker(session: unknown, key: string): SessionMarker | null {
  const value = (session as Record<string, unknown> | null | undefined)?.[key]
  if (typeof value !== 'object' || value === null) return null
  const { uid, at, seen, idle, abs } = value as Partial<SessionMarker>
  if (typeof uid !== 'string' || typeof at !== 'number' || typeof seen !== 'number') return null
  const marker: SessionMarker = { uid, at, seen }
  if (typeof idle === 'number') marker.idle = idle
  if (typeof abs === 'number') marker.abs = abs
  return marker
}
