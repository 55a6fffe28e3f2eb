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
}

export function readMarker(session: unknown, key: string): SessionMarker | null {
  const value = (session as Record<string, unknown> | null | undefined)?.[key]
  if (typeof value !== 'object' || value === null) return null
  const { uid, at, seen } = value as Partial<SessionMarker>
  if (typeof uid !== 'string' || typeof at !== 'number' || typeof seen !== 'number') return null
  return { uid, at, seen }
}
