import type { SessionData, Store } from 'express-session'
import type { RedisCommands } from '../../redis/client.js'
import type { MarkedSession, StoreDriver } from '../driver.js'

/** The parts of connect-redis's store (7 to 10) the driver relies on. */
export interface ConnectRedisStore extends Store {
  client: unknown
  prefix: string
  scanCount: number
  serializer: { parse(text: string): unknown; stringify(value: unknown): string }
  ttl: number | ((session: SessionData) => number)
  disableTTL: boolean
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

/** connect-redis 7 to 10 (SKELETON: being written). */
export class ConnectRedisStoreDriver implements StoreDriver {
  readonly name = 'connect-redis'
  readonly shared = true
  readonly tableName = null

  constructor(
    readonly store: ConnectRedisStore,
    private readonly redis: RedisCommands,
  ) {}

  read(_sid: string): Promise<SessionData | null> {
    throw new Error('not yet')
  }
  insert(_sid: string, _session: SessionData): Promise<void> {
    throw new Error('not yet')
  }
  update(_sid: string, _session: SessionData): Promise<boolean> {
    throw new Error('not yet')
  }
  destroyMany(_sids: readonly string[]): Promise<number> {
    throw new Error('not yet')
  }
  alive(_sids: readonly string[]): Promise<Set<string>> {
    throw new Error('not yet')
  }
  expiryOf(_session: SessionData): Date {
    throw new Error('not yet')
  }
  pruneExpired(): Promise<number> {
    return Promise.resolve(0)
  }
  marked(_key: string, _after: string, _limit: number): Promise<MarkedSession[]> {
    throw new Error('not yet')
  }
  async createTable(): Promise<void> {}
  async ready(): Promise<boolean> {
    await this.redis.send(['PING'])
    return true
  }
}
