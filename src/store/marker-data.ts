/** Whether stored session data carries the library's login marker under `key`. */
export function hasMarker(session: unknown, key: string): boolean {
  const value = (session as Record<string, unknown> | null | undefined)?.[key]
  return typeof value === 'object' && value !== null
}
