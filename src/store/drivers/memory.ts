import type { SessionData, Store } from 'express-session'
import { hasMarker } from '../marker-data.js'
import type { MarkedSession, StoreDriver } from '../driver.js'
import { cookieExpiry, ONE_DAY_MS, stock } from './stock.js'

/** express-session's MemoryStore: sessions as JSON strings in a plain object. */
interface ExpressMemoryStore extends Store {
  sessions: Record<string, string>
}

/** memorystore: sessions in an LRU cache that expires them. */
interface LruMemoryStore extends Store {
  store: { has(key: string): boolean; keys(): string[]; prune?(): void; itemCount?: number }
  options?: { ttl?: number }
}

export function isExpressMemoryStore(store: unknown): store is ExpressMemoryStore {
  const candidate = store as Partial<ExpressMemoryStore> | null
  return (
    typeof candidate?.sessions === 'object' &&
    candidate.sessions !== null &&
    typeof candidate.all === 'function' &&
    candidate.constructor?.name === 'MemoryStore'
  )
}

export function isLruMemoryStore(store: unknown): store is LruMemoryStore {
  const candidate = store as Partial<LruMemoryStore> | null
  const cache = candidate?.store as Partial<LruMemoryStore['store']> | undefined
  return (
    typeof cache?.has === 'function' &&
    typeof cache.keys === 'function' &&
    typeof candidate?.all === 'function' &&
    candidate.constructor?.name === 'MemoryStore'
  )
}

/**
 * express-session's MemoryStore and memorystore: one process only, for development and tests.
 * Every write of these stores happens synchronously inside the call, so "update if it still
 * exists" is a presence check and a write with nothing in between.
 */
export class MemoryStoreDriver implements StoreDriver {
  readonly shared = false
  readonly tableName = null
  readonly name: string

  constructor(readonly store: ExpressMemoryStore | LruMemoryStore) {
    this.name = isLruMemoryStore(store) ? 'memorystore' : "express-session's MemoryStore"
  }

  /** Whether the store holds this sid right now (expired or not). */
  private present(sid: string): boolean {
    const store = this.store
    return isLruMemoryStore(store) ? store.store.has(sid) : sid in store.sessions
  }

  async read(sid: string): Promise<SessionData | null> {
    try {
      return (await stock<SessionData | undefined>(this.store, 'get', sid)) ?? null
    } catch {
      return null
    }
  }

  insert(sid: string, session: SessionData): Promise<void> {
    return stock(this.store, 'set', sid, session)
  }

  async update(sid: string, session: SessionData): Promise<boolean> {
    if (!this.present(sid)) return false
    await stock(this.store, 'set', sid, session)
    return true
  }

  async destroyMany(sids: readonly string[]): Promise<number> {
    let destroyed = 0
    for (const sid of sids) {
      if (!this.present(sid)) continue
      destroyed += 1
      await stock(this.store, 'destroy', sid)
    }
    return destroyed
  }

  async alive(sids: readonly string[]): Promise<Set<string>> {
    const alive = new Set<string>()
    for (const sid of sids) if (await this.read(sid)) alive.add(sid)
    return alive
  }

  expiryOf(session: SessionData): Date {
    const ttl = isLruMemoryStore(this.store) ? this.store.options?.ttl : undefined
    return cookieExpiry(session, ttl ?? ONE_DAY_MS)
  }

  async pruneExpired(): Promise<number> {
    const before = this.count()
    // Both stores drop expired sessions as they list them (memorystore also has prune()).
    if (isLruMemoryStore(this.store)) this.store.store.prune?.()
    await stock(this.store, 'all')
    return Math.max(0, before - this.count())
  }

  private count(): number {
    const store = this.store
    return isLruMemoryStore(store) ? store.store.keys().length : Object.keys(store.sessions).length
  }

  async marked(key: string, after: string, limit: number): Promise<MarkedSession[]> {
    const all = await stock<Record<string, SessionData> | SessionData[] | null>(this.store, 'all')
    return Object.entries(all ?? {})
      .filter(([sid, data]) => sid > after && hasMarker(data, key))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([sid, data]) => ({ sid, data }))
  }

  async createTable(): Promise<void> {}

  ready(): Promise<boolean> {
    return Promise.resolve(true)
  }
}
