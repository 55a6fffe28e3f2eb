import { createServer, Socket, type Server } from 'node:net'
import { createClient } from 'redis'
import { needsRedis } from './stores.js'

/**
 * The example app's and the command line's Redis tests run on TEST_REDIS_URL (redisUrl() and
 * uniquePrefix() of stores.ts): each keeps its keys under a prefix of its own and deletes them
 * afterwards, so a shared Redis (and a developer's own keys in it) is left as it was.
 */

/** For `describe()`: skipped, with the reason, when TEST_REDIS_URL is unset. */
export const needsTestRedis = { skip: needsRedis() }

/** The URL of another database number on the same server (`/<db>`). */
export function redisDatabaseUrl(url: string, db: number): string {
  const parsed = new URL(url)
  parsed.pathname = `/${db}`
  return parsed.toString()
}

/**
 * A client for looking into Redis behind the example app's back: the keys of a REDIS_PREFIX
 * (its sessions, `<prefix>:sess:*`, and the library's, `{<prefix>}:*`), and their removal.
 */
export interface RedisProbe {
  client: ReturnType<typeof createClient>
  /** The session keys' sids, sorted. */
  sessionSids(): Promise<string[]>
  /** Every key under the prefix, sorted. */
  keys(): Promise<string[]>
  /** Deletes every key under the prefix. */
  drop(): Promise<void>
  close(): Promise<void>
}

export async function redisProbe(url: string, prefix: string): Promise<RedisProbe> {
  const client = createClient({ url })
  client.on('error', () => undefined)
  await client.connect()
  const scan = async (pattern: string): Promise<string[]> => {
    const keys: string[] = []
    for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
      keys.push(...batch)
    }
    return keys.sort()
  }
  const sessions = `${prefix}:sess:`
  const all = async () => [...(await scan(`${sessions}*`)), ...(await scan(`{${prefix}}:*`))]
  return {
    client,
    async sessionSids() {
      return (await scan(`${sessions}*`)).map((key) => key.slice(sessions.length))
    },
    keys: all,
    async drop() {
      const keys = await all()
      for (let i = 0; i < keys.length; i += 500) await client.del(keys.slice(i, i + 500))
    },
    async close() {
      if (client.isOpen) await client.close()
    },
  }
}

/**
 * A TCP proxy in front of Redis, to take Redis away from an app and give it back the way an
 * outage does: `begin()` cuts every connection and refuses new ones, `end()` lets them in again.
 * The Redis server itself is shared and stays up.
 */
export interface RedisOutage {
  /** The URL the app must use (the proxy's port; the same database number). */
  url: string
  begin(): Promise<void>
  end(): Promise<void>
  close(): Promise<void>
}

export async function redisOutage(redisUrl: string): Promise<RedisOutage> {
  const target = new URL(redisUrl)
  const sockets = new Set<Socket>()
  let down = false
  let connected: (() => void) | null = null
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy()
      return
    }
    connected?.()
    const upstream = new Socket()
    sockets.add(client).add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    upstream.connect(Number(target.port || 6379), target.hostname, () => {
      client.pipe(upstream).pipe(client)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const proxied = new URL(redisUrl)
  proxied.hostname = '127.0.0.1'
  proxied.port = String(typeof address === 'object' && address ? address.port : 0)
  const cut = () => {
    for (const socket of sockets) socket.destroy()
    sockets.clear()
  }
  return {
    url: proxied.toString(),
    async begin() {
      down = true
      cut()
      await new Promise((resolve) => setTimeout(resolve, 50))
    },
    /** Lets connections in again, and waits for the app's client to be back (at most 10 s). */
    async end() {
      const back = new Promise<void>((resolve) => {
        connected = resolve
        setTimeout(resolve, 10_000).unref()
      })
      down = false
      await back
      connected = null
      // The client's handshake (HELLO, SELECT) after the connection.
      await new Promise((resolve) => setTimeout(resolve, 100))
    },
    async close() {
      down = true
      cut()
      await new Promise((resolve) => server.close(() => resolve(undefined)))
    },
  }
}
