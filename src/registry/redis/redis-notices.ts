import {
  REFS_PER_NOTICE,
  type EndNoticeHandlers,
  type EndNotices,
} from '../../core/ports/end-notices.js'
import { log } from '../../log.js'
import type { RedisCommands } from '../../redis/client.js'

/** node-redis 4+: a duplicate must be connected; `subscribe(channel, listener)`. */
interface NodeRedisSubscriber {
  connect(): Promise<unknown>
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>
  quit?(): Promise<unknown>
  close?(): Promise<unknown>
  destroy?(): void
  on(event: string, listener: (...args: unknown[]) => void): unknown
}

/** ioredis: a duplicate connects by itself; messages arrive as `message` events. */
interface IoRedisSubscriber {
  subscribe(channel: string): Promise<unknown>
  quit(): Promise<unknown>
  on(event: string, listener: (...args: unknown[]) => void): unknown
}

/**
 * End notices over Redis pub/sub: PUBLISH on the app's own client after the END script, and
 * SUBSCRIBE on a duplicate of it (a subscribed connection can run nothing else). Both clients
 * reconnect and re-subscribe by themselves; each reconnection counts as a gap.
 */
export class RedisNotices implements EndNotices {
  readonly kind = 'Redis pub/sub'
  readonly channel: string

  constructor(
    private readonly redis: RedisCommands,
    private readonly client: object,
    prefix: string,
  ) {
    this.channel = `{${prefix}}:ended`
  }

  async publish(refs: readonly string[]): Promise<void> {
    for (let start = 0; start < refs.length; start += REFS_PER_NOTICE) {
      const payload = refs.slice(start, start + REFS_PER_NOTICE).join(',')
      await this.redis.send(['PUBLISH', this.channel, payload], this.channel)
    }
  }

  async subscribe(handlers: EndNoticeHandlers): Promise<() => Promise<void>> {
    const original = this.client as { duplicate?: () => unknown; sendCommand?: unknown }
    if (typeof original.duplicate !== 'function') {
      throw new Error('the Redis client has no duplicate() to subscribe with')
    }
    const onMessage = (message: unknown) => {
      if (typeof message === 'string' && message) handlers.notice(message.split(','))
    }
    let readyOnce = false
    const onReady = () => {
      // The first ready is the subscription's start; later ones are reconnections.
      if (readyOnce) handlers.gap()
      readyOnce = true
    }
    const onError = (error: unknown) => log('end-notice subscriber: %O', error)

    if (typeof original.sendCommand === 'function') {
      const subscriber = original.duplicate() as NodeRedisSubscriber
      subscriber.on('error', onError)
      subscriber.on('ready', onReady)
      await subscriber.connect()
      await subscriber.subscribe(this.channel, onMessage)
      handlers.gap()
      return async () => {
        if (subscriber.close) await subscriber.close()
        else if (subscriber.quit) await subscriber.quit()
        else subscriber.destroy?.()
      }
    }
    const subscriber = original.duplicate() as IoRedisSubscriber
    subscriber.on('error', onError)
    subscriber.on('ready', onReady)
    subscriber.on('message', (channel: unknown, message: unknown) => {
      if (channel === this.channel) onMessage(message)
    })
    await subscriber.subscribe(this.channel)
    handlers.gap()
    return async () => {
      await subscriber.quit()
    }
  }
}
