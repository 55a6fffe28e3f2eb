import type { SessionRegistry } from '../core/ports/registry.js'
import type { StoreDriver } from './driver.js'

/** Records renamed by a regenerate, and sessions just logged in, are young: left alone this long. */
const GRACE_MS = 5 * 60_000

/** Sessions or records read per query. */
const PAGE = 1000

/**
 * Store sessions that carry the login marker but have no record: left by a login that failed
 * and could not clean up after itself, or by an end that raced a regenerate. They are refused
 * on load; this deletes them. A login writes its session a moment before its record, so only
 * markers older than the grace period are touched.
 */
export async function pruneUnrecorded(
  driver: StoreDriver,
  registry: SessionRegistry,
  sessionKey: string,
): Promise<number> {
  const before = Date.now() - GRACE_MS
  let deleted = 0
  let after = ''
  for (;;) {
    const page = await driver.marked(sessionKey, after, PAGE)
    const old = page.filter(({ data }) => markedBefore(data, sessionKey, before)).map((s) => s.sid)
    if (old.length > 0) {
      const recorded = await registry.recorded(old)
      const stale = old.filter((sid) => !recorded.has(sid))
      if (stale.length > 0) deleted += await driver.destroyMany(stale)
    }
    if (page.length < PAGE) return deleted
    after = page.at(-1)!.sid
  }
}

/** Registry records whose session is gone (expired and cleaned up, or deleted by hand). */
export async function pruneRecords(
  driver: StoreDriver,
  registry: SessionRegistry,
): Promise<number> {
  const before = new Date(Date.now() - GRACE_MS)
  let removed = 0
  let afterId = 0
  for (;;) {
    const page = await registry.seenBefore(before, afterId, PAGE)
    if (page.length > 0) {
      const alive = await driver.alive(page.map((record) => record.sid))
      const gone = page.filter((record) => !alive.has(record.sid)).map((record) => record.id)
      if (gone.length > 0) removed += await registry.removeStale(gone, before)
    }
    if (page.length < PAGE) return removed
    afterId = page.at(-1)!.id
  }
}

/** Whether this session's login marker was set (and last seen) before `before`. */
function markedBefore(session: unknown, key: string, before: number): boolean {
  const marker = (session as Record<string, { at?: unknown; seen?: unknown } | undefined>)[key]
  if (!marker) return false
  const times = [marker.at, marker.seen].filter((t): t is number => typeof t === 'number')
  return times.every((time) => time < before)
}
