import { createHash } from 'node:crypto'
import { invalidOption } from '../errors.js'

/** A command argument as Redis receives it. */
export type RedisArg = string | number

/**
 * A Redis client as the library uses it: raw commands, so that node-redis (4 and later) and
 * ioredis clients, and their cluster clients, behave the same. Replies are Redis's own (RESP2):
 * strings, integers, arrays and null.
 */
export interface RedisCommands {
  /**
   * Sends one command. `key` is the key that routes it on a cluster (the library's keys all
   * share one hash tag); on a single Redis it is ignored. Commands sent without awaiting the
   * previous one are pipelined by both clients.
   */
  send(args: readonly RedisArg[], key?: string): Promise<unknown>
}

/** node-redis 4+: `sendCommand(args)`; its cluster client: `sendCommand(firstKey, readonly, args)`. */
interface NodeRedisClient {
  sendCommand(...args: unknown[]): Promise<unknown>
}

/** ioredis, and its Cluster: `call(command, ...args)`. */
interface IoRedisClient {
  call(command: string, ...args: string[]): Promise<unknown>
}

/** Whether a value looks like a node-redis or ioredis client (not connect-redis's wrapper). */
export function isRedisClient(client: unknown): boolean {
  const candidate = client as Partial<NodeRedisClient & IoRedisClient> | null
  return typeof candidate?.sendCommand === 'function' || typeof candidate?.call === 'function'
}

/**
 * Wraps a node-redis or ioredis client. `option` names where it came from, for the message
 * when it is something else.
 */
export function redisCommands(client: unknown, option: string): RedisCommands {
  const candidate = client as Partial<NodeRedisClient & IoRedisClient & { masters: unknown }>
  // ioredis first: it has a sendCommand(Command) too, which takes no argument list.
  if (typeof candidate?.call === 'function') {
    const ioredis = candidate as IoRedisClient
    return {
      send: (args) => {
        const [command, ...rest] = args.map(String)
        return ioredis.call(command!, ...rest)
      },
    }
  }
  if (typeof candidate?.sendCommand === 'function') {
    const nodeRedis = candidate as NodeRedisClient
    if ('masters' in candidate) {
      return {
        send: (args, key) => nodeRedis.sendCommand(key, false, args.map(String)),
      }
    }
    return { send: (args) => nodeRedis.sendCommand(args.map(String)) }
  }
  throw invalidOption(
    option,
    'a connected node-redis (createClient()) or ioredis client, the one your connect-redis store uses',
    client === undefined ? undefined : (client?.constructor?.name ?? typeof client),
  )
}

/**
 * A Lua script, sent by its digest and loaded on first use (EVALSHA, then EVAL on NOSCRIPT:
 * after a restart or SCRIPT FLUSH the server has forgotten it).
 */
export class RedisScript {
  readonly sha: string

  constructor(
    readonly name: string,
    private readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  async run(
    redis: RedisCommands,
    keys: readonly string[],
    args: readonly RedisArg[],
  ): Promise<unknown> {
    const tail = [keys.length, ...keys, ...args]
    try {
      return await redis.send(['EVALSHA', this.sha, ...tail], keys[0])
    } catch (error) {
      if (!String((error as Error | undefined)?.message).startsWith('NOSCRIPT')) throw error
      return redis.send(['EVAL', this.source, ...tail], keys[0])
    }
  }
}

/** A RESP integer reply (ioredis and node-redis both give numbers; be lenient with strings). */
export function asNumber(reply: unknown): number {
  return typeof reply === 'number' ? reply : Number(reply)
}

/** A RESP array reply. */
export function asArray(reply: unknown): unknown[] {
  return Array.isArray(reply) ? (reply as unknown[]) : []
}

/** A RESP bulk-string reply, or null. */
export function asString(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null
  if (typeof reply === 'string') return reply
  return typeof reply === 'number' ? String(reply) : Buffer.from(reply as Uint8Array).toString()
}
