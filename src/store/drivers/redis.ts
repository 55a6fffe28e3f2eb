import type { SessionData, Store } from 'express-session'
import { log } from '../../log.js'
import { asArray, asNumber, asString, type RedisCommands } from '../../redis/client.js'
import type { MarkedSession, StoreDriver } from '../driver.js'
import { hasMarker } from '../marker-data.js'
import { cookieExpiry, stock } from './stock.js'

/** The parts of connect-redis's store (7 to 10) the driver relies on. */
export interface ConnectRedisStore extends Store {
  client: unknown
  prefix: string
  scanCount: number
  serializer: { parse(text: string): unknown; stringify(value: unknown): string }
  ttl: number | ((session: SessionData) => number)
  disableTTL: boolean
  /** connect-redis 9 and 10: the time to live of a session, in seconds. */
  getTTL?(session: SessionData): number
  /** connect-redis 7 and 8: the same, private. */
  _getTTL?(session: SessionData): number
}

export function isConnectRedisStore(store: unknown): store is ConnectRedisStore {
  const candidate = store as Partial<ConnectRedisStore> | null
  return (
    typeof candidate?.prefix === 'string' &&
    typeof candidate.serializer?.parse === 'function' &&
    typeof candidate.client === 'object' &&
    candidate.client !== null &&
    'disableTTL' in candidate &&
    'scanCount' in candidate
  )
}

/** Keys per DEL, MGET or batch of pipelined commands. */
const BATCH = 1000

/** How long a key listing made by `marked()` serves the next pages of the same pass. */
const LISTING_MS = 60_000

/**
 * connect-redis 7 to 10, in raw commands on the app's Redis client (connect-redis 7 and 8 wrap
 * theirs, so the app passes it as the `redis` option). The sessions stay where connect-redis
 * puts them, `prefix + sid`, written with its serializer and its time to live:
 * - a save of a known session is `SET key value XX EX ttl` (connect-redis's `set` is a plain
 *   `SET`, which would bring an ended session back);
 * - a bulk end is one `DEL` per 1,000 sessions (one `DEL` per key, pipelined, on a cluster);
 * - Redis expires the keys itself: nothing to prune.
 */
export class ConnectRedisStoreDriver implements StoreDriver {
  readonly name = 'connect-redis'
  readonly shared = true
  readonly tableName = null
  /** Whether keys of different sessions may go in one command (not on Redis Cluster). */
  private multiKey: Promise<boolean> | null = null
  /** The sorted sids of the last `marked()` scan, for the following pages. */
  private listing: { sids: string[]; at: number } | null = null

  constructor(
    readonly store: ConnectRedisStore,
    private readonly redis: RedisCommands,
  ) {}

  private key(sid: string): string {
    return this.store.prefix + sid
  }

  async read(sid: string): Promise<SessionData | null> {
    const key = this.key(sid)
    return this.parse(asString(await this.redis.send(['GET', key], key)))
  }

  /** Stored text through the store's serializer (which may be async); unreadable is null. */
  private async parse(text: string | null): Promise<SessionData | null> {
    if (text === null) return null
    try {
      const data = await this.store.serializer.parse(text)
      return typeof data === 'object' && data !== null ? (data as SessionData) : null
    } catch (error) {
      // Not the error itself: a parser's message may quote the session's data.
      log('connect-redis holds unreadable session data (%s)', (error as Error | null)?.name)
      return null
    }
  }

  insert(sid: string, session: SessionData): Promise<void> {
    return stock(this.store, 'set', sid, session)
  }

  /**
   * What connect-redis's `set` writes, only if the key exists: with the time to live the store
   * computes (none with `disableTTL`). A time to live that is not positive makes the store
   * delete the session instead; so does this.
   */
  async update(sid: string, session: SessionData): Promise<boolean> {
    const key = this.key(sid)
    const ttl = this.ttlOf(session)
    if (!(ttl > 0)) {
      await this.redis.send(['DEL', key], key)
      return false
    }
    const value = this.store.serializer.stringify(session)
    const reply = await this.redis.send(
      this.store.disableTTL ? ['SET', key, value, 'XX'] : ['SET', key, value, 'XX', 'EX', ttl],
      key,
    )
    return reply !== null && reply !== undefined
  }

  /** The session's time to live in seconds, as the store computes it. */
  private ttlOf(session: SessionData): number {
    const store = this.store
    if (typeof store.getTTL === 'function') return store.getTTL(session)
    if (typeof store._getTTL === 'function') return store._getTTL(session)
    if (typeof store.ttl === 'function') return store.ttl(session)
    const expires = session.cookie?.expires
    if (expires) return Math.ceil((new Date(expires).getTime() - Date.now()) / 1000)
    return store.ttl
  }

  async destroyMany(sids: readonly string[]): Promise<number> {
    const multiKey = await this.multiKeyAllowed()
    let destroyed = 0
    for (let i = 0; i < sids.length; i += BATCH) {
      const keys = sids.slice(i, i + BATCH).map((sid) => this.key(sid))
      if (keys.length === 0) continue
      if (multiKey) {
        destroyed += asNumber(await this.redis.send(['DEL', ...keys], keys[0]))
      } else {
        const replies = await Promise.all(keys.map((key) => this.redis.send(['DEL', key], key)))
        destroyed += replies.reduce<number>((sum, reply) => sum + asNumber(reply), 0)
      }
    }
    return destroyed
  }

  /** Redis expires keys itself: a key that exists has not expired. */
  async alive(sids: readonly string[]): Promise<Set<string>> {
    const alive = new Set<string>()
    for (let i = 0; i < sids.length; i += BATCH) {
      const batch = sids.slice(i, i + BATCH)
      const replies = await Promise.all(
        batch.map((sid) => this.redis.send(['EXISTS', this.key(sid)], this.key(sid))),
      )
      batch.forEach((sid, n) => {
        if (asNumber(replies[n]) > 0) alive.add(sid)
      })
    }
    return alive
  }

  /** As the store computes it: its `ttl` function if it has one, else the cookie, else `ttl`. */
  expiryOf(session: SessionData): Date {
    const { ttl } = this.store
    if (typeof ttl === 'function') return new Date(Date.now() + ttl(session) * 1000)
    return cookieExpiry(session, ttl * 1000)
  }

  /** Redis expires the keys itself. */
  pruneExpired(): Promise<number> {
    return Promise.resolve(0)
  }

  /**
   * Lists the store's keys (SCAN MATCH prefix*, as the store does), then reads the sessions
   * after `after` in sid order, 1,000 per MGET, until `limit` carry the marker. One scan serves
   * a whole pruning pass: the first page (`after` empty) scans, the next ones reuse its sorted
   * listing for a minute. Sessions created during the pass are left to the next one.
   */
  async marked(key: string, after: string, limit: number): Promise<MarkedSession[]> {
    const sids = await this.sortedSids(after === '')
    let index = firstAfter(sids, after)
    const found: MarkedSession[] = []
    while (found.length < limit && index < sids.length) {
      const batch = sids.slice(index, index + BATCH)
      index += batch.length
      const texts = await this.getMany(batch.map((sid) => this.key(sid)))
      for (let n = 0; n < batch.length && found.length < limit; n++) {
        const data = await this.parse(texts[n] ?? null)
        if (data && hasMarker(data, key)) found.push({ sid: batch[n]!, data })
      }
    }
    if (found.length < limit) this.listing = null
    return found
  }

  /** Every sid in the store, sorted: freshly scanned, or the recent listing of this pass. */
  private async sortedSids(fresh: boolean): Promise<string[]> {
    const listing = this.listing
    if (!fresh && listing && Date.now() - listing.at < LISTING_MS) return listing.sids
    const sids = (await this.multiKeyAllowed()) ? await this.scan() : await this.storeIds()
    sids.sort()
    this.listing = { sids, at: Date.now() }
    return sids
  }

  /** SCAN of the whole keyspace for the store's prefix (glob characters in it escaped). */
  private async scan(): Promise<string[]> {
    const prefix = this.store.prefix
    const match = prefix.replace(/[*?[\]\\]/g, '\\$&') + '*'
    const count = this.store.scanCount > 0 ? this.store.scanCount : 100
    const sids = new Set<string>()
    let cursor = '0'
    do {
      const [next, keys] = asArray(
        await this.redis.send(['SCAN', cursor, 'MATCH', match, 'COUNT', count]),
      )
      cursor = asString(next) ?? '0'
      for (const key of asArray(keys)) {
        const text = asString(key)
        if (text?.startsWith(prefix)) sids.add(text.slice(prefix.length))
      }
    } while (cursor !== '0')
    return [...sids]
  }

  /** On a cluster, the store lists its keys itself (connect-redis 9+ scans every master). */
  private async storeIds(): Promise<string[]> {
    return [...new Set(await stock<string[]>(this.store, 'ids'))]
  }

  private async getMany(keys: readonly string[]): Promise<Array<string | null>> {
    if (keys.length === 0) return []
    if (await this.multiKeyAllowed()) {
      return asArray(await this.redis.send(['MGET', ...keys], keys[0])).map(asString)
    }
    const replies = await Promise.all(keys.map((key) => this.redis.send(['GET', key], key)))
    return replies.map(asString)
  }

  /**
   * Whether one command may name keys of several sessions: always when the prefix has a hash
   * tag (one slot), otherwise unless the server is a cluster node (asked once; when it cannot
   * tell, one key per command, pipelined, which works everywhere).
   */
  private multiKeyAllowed(): Promise<boolean> {
    if (hasHashTag(this.store.prefix)) return Promise.resolve(true)
    this.multiKey ??= this.redis.send(['INFO', 'cluster']).then(
      (reply) => /cluster_enabled:0/.test(asString(reply) ?? ''),
      (error: unknown) => {
        log('could not tell whether Redis is a cluster, sending one key per command: %O', error)
        // Refused by the server (INFO disabled, say): settled. Lost connection: asked again.
        if (!/^[A-Z]+ /.test(String((error as Error | null)?.message))) this.multiKey = null
        return false
      },
    )
    return this.multiKey
  }

  async createTable(): Promise<void> {}

  async ready(): Promise<boolean> {
    await this.redis.send(['PING'])
    return true
  }
}

/** The index of the first sid greater than `after` in a sorted list. */
function firstAfter(sids: readonly string[], after: string): number {
  let low = 0
  let high = sids.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (sids[mid]! <= after) low = mid + 1
    else high = mid
  }
  return low
}

/** Whether keys starting with `prefix` all hash to one cluster slot (`{tag}` in it, as Redis reads it). */
function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{')
  return open >= 0 && prefix.indexOf('}', open + 1) > open + 1
}
