/**
 * What `--store redis` opens: a node-redis client (the `redis` package, imported only here, so
 * that an app on the SQL stores needs none) and connect-redis's store class.
 */
import type { Store } from 'express-session'
import { importPeer } from './peers.js'
import { messageOf, redact } from './messages.js'
import { CliError, ExitCodes, usageError } from './errors.js'

/** The parts of a node-redis client the command line uses. */
export interface NodeRedisClient {
  connect(): Promise<unknown>
  close(): Promise<unknown>
  destroy(): void
  on(event: 'error', listener: (error: unknown) => void): unknown
}

/**
 * Connects to Redis with the `redis` package (node-redis), imported only here: an app on SQL
 * stores needs none. An unreachable Redis is exit code 1 with the reason, at once.
 */
export async function openRedis(url: string): Promise<NodeRedisClient> {
  let createClient: (options: object) => NodeRedisClient
  try {
    ;({ createClient } = (await import('redis')) as unknown as {
      createClient: typeof createClient
    })
  } catch {
    throw usageError(
      '--store redis needs the redis package (node-redis 4 or later): npm install redis',
    )
  }
  const client = createClient({
    url,
    // One command, one connection: fail at once instead of reconnecting.
    socket: { connectTimeout: 10_000, reconnectStrategy: (_: number, cause: Error) => cause },
  })
  client.on('error', () => undefined) // reported by the command that fails
  try {
    await client.connect()
  } catch (error) {
    throw new CliError(
      ExitCodes.FAILURE,
      `Cannot connect to Redis at ${redact(url)}: ${messageOf(error)}`,
      { cause: error },
    )
  }
  return client
}

/** connect-redis's store class: a named export from 8 on, the default export in 7. */
export async function importConnectRedis(): Promise<{
  RedisStore: new (options: { client: unknown; prefix: string }) => Store
}> {
  const module = await importPeer<{ RedisStore?: unknown; default?: unknown }>('connect-redis')
  const RedisStore = (module.RedisStore ?? module.default) as
    (new (options: { client: unknown; prefix: string }) => Store) | undefined
  if (typeof RedisStore !== 'function') {
    throw usageError('connect-redis exports no RedisStore: install connect-redis 7 or later')
  }
  return { RedisStore }
}
