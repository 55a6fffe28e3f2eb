import { randomBytes } from 'node:crypto'
import { RedisStore } from 'connect-redis'
import type { Store } from 'express-session'
import { createClient } from 'redis'
import { RedisKeys } from '../src/registry/redis/keys.js'
import { USER_AGENT } from './database.js'

export type BenchRedisClient = ReturnType<typeof createClient>

/** The Redis of the Redis benchmark: BENCH_REDIS_URL, else the local default. */
export function benchRedisUrl(): string {
  return process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379'
}

/** The same server, another database number. */
export function withDatabase(url: string, db: number): string {
  const parsed = new URL(url)
  parsed.pathname = `/${db}`
  return parsed.toString()
}

/** A connected node-redis client named `name` (CLIENT LIST shows it, MONITOR lines its address). */
export async function openRedisClient(url: string, name: string): Promise<BenchRedisClient> {
  const client = createClient({ url, name })
  client.on('error', (error: Error) => process.stderr.write(`redis ${name}: ${error.message}\n`))
  await client.connect()
  return client
}

/** connect-redis 9 on `client`; both apps of one benchmark share its key prefix. */
export function redisStore(client: BenchRedisClient, prefix: string): Store {
  return new RedisStore({ client, prefix: sessionPrefix(prefix) })
}

/** The session keys of a benchmark: `<prefix>:sess:<sid>`. */
export function sessionPrefix(prefix: string): string {
  return `${prefix}:sess:`
}

/** How long after its session a seeded record expires, as the library's (lastSeenInterval + 1 h). */
const RECORD_GRACE_MS = 60_000 + 3_600_000

/** Rows per seeding script call. */
const SEED_CHUNK = 2_000

/**
 * Writes sessions and their records as the library would have written them at login: the key
 * layout of src/registry/redis/keys.ts, the record fields of src/registry/redis/codec.ts.
 */
const SEED = `
local tag, sp = ARGV[1], ARGV[2]
local from, to, start, per, first = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local now, expires, grace = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local iso, ttl, ua = ARGV[11], tonumber(ARGV[12]), ARGV[13]
local records = ARGV[14] == '1'
local function int(x) return string.format('%.0f', x) end
local seen = int(now - 3600000)
local deadline = int(expires + grace)
for n = from, to do
  local id = int(n)
  local sid = string.format('%08x%024d', (n * 2654435761) % 4294967296, n)
  local uid = int(first + math.floor((n - start) / per))
  redis.call('SET', sp .. sid,
    '{"cookie":{"originalMaxAge":86400000,"expires":"' .. iso .. '","secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},' ..
    '"singleSession":{"uid":"' .. uid .. '","at":' .. seen .. ',"seen":' .. seen .. '},"userId":"' .. uid .. '",' ..
    '"theme":"dark","returnTo":"/admin/resources/orders/records?page=2&perPage=20"}', 'EX', ttl)
  if records then
    local rec = tag .. ':rec:' .. id
    redis.call('HSET', rec, 'sid', sid, 'uid', uid, 'created', seen, 'seen', seen,
      'expires', int(expires), 'ip', '127.0.0.1', 'ua', ua, 'idle', '', 'abs', '', 'tout', '')
    redis.call('PEXPIREAT', rec, deadline)
    redis.call('SET', tag .. ':sid:' .. sid, id, 'PXAT', deadline)
    redis.call('ZADD', tag .. ':user:' .. uid, id, id)
    redis.call('ZADD', tag .. ':all', id, id)
  end
end
if records then
  local seq = tonumber(redis.call('GET', tag .. ':seq') or '0')
  if to > seq then redis.call('SET', tag .. ':seq', int(to)) end
end
return to - from + 1
`

/** Redis's `used_memory`, in bytes. */
export async function usedMemory(client: BenchRedisClient): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1])
}

/**
 * Signed-in sessions written straight into Redis, as the SQL benchmarks' Filler writes rows:
 * row `n` (a counter, so sids never repeat) gets the same sid and data as there and belongs to
 * user `firstUserId + floor((n - start) / perUser)`, expires tomorrow, and is recorded under the
 * library's prefix with id `n` (older sessions of a user get lower ids). One Lua script call per
 * 2,000 sessions: a million in well under a minute.
 */
export class RedisFiller {
  private next = 1
  private readonly keys: RedisKeys

  /** `records: false` writes the sessions alone, as an app on connect-redis alone has them. */
  constructor(
    private readonly client: BenchRedisClient,
    private readonly prefix: string,
    private readonly options: { records: boolean } = { records: true },
  ) {
    this.keys = new RedisKeys(prefix)
  }

  get written(): number {
    return this.next - 1
  }

  async fill(users: number, perUser: number, firstUserId: number): Promise<void> {
    const total = users * perUser
    const start = this.next
    this.next += total
    const now = Date.now()
    const expires = now + 86_400_000
    for (let from = start; from < start + total; from += SEED_CHUNK) {
      const to = Math.min(start + total, from + SEED_CHUNK) - 1
      await this.client.sendCommand([
        'EVAL',
        SEED,
        '0',
        this.keys.tag,
        sessionPrefix(this.prefix),
        String(from),
        String(to),
        String(start),
        String(perUser),
        String(firstUserId),
        String(now),
        String(expires),
        String(RECORD_GRACE_MS),
        new Date(expires).toISOString(),
        '86400',
        USER_AGENT,
        this.options.records ? '1' : '0',
      ])
    }
  }
}

/** Deletes every key of a benchmark's prefix (sessions and the library's), with UNLINK. */
export async function dropPrefix(client: BenchRedisClient, prefix: string): Promise<number> {
  let dropped = 0
  for (const pattern of [`${sessionPrefix(prefix)}*`, `{${prefix}}:*`]) {
    for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 5000 })) {
      if (keys.length > 0) dropped += await client.unlink(keys)
    }
  }
  return dropped
}

/**
 * Every command Redis runs during a piece of work, as MONITOR reports it, on a connection opened
 * for that work only (a monitor slows every command down while it is connected). MONITOR's
 * stream lags behind: the work is framed by two ECHO markers, sent on another connection, and
 * the lines between them are the work's.
 */
export interface CommandLog {
  /** Runs `work` and returns the MONITOR lines of what Redis ran meanwhile. */
  during<T>(work: () => Promise<T>): Promise<{ value: T; lines: string[] }>
  close(): Promise<void>
}

export async function commandLog(url: string): Promise<CommandLog> {
  const marker = await openRedisClient(url, `bench-marker-${randomBytes(3).toString('hex')}`)
  return {
    async during(work) {
      const monitor = createClient({ url })
      monitor.on('error', () => undefined)
      await monitor.connect()
      const lines: string[] = []
      await monitor.monitor((line) => void lines.push(line))
      try {
        const token = randomBytes(6).toString('hex')
        await marker.sendCommand(['ECHO', `bench-start-${token}`])
        const value = await work()
        await marker.sendCommand(['ECHO', `bench-end-${token}`])
        const deadline = Date.now() + 10_000
        const ended = () => lines.findIndex((line) => line.includes(`bench-end-${token}`))
        while (ended() < 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        const start = lines.findIndex((line) => line.includes(`bench-start-${token}`))
        const end = ended()
        if (start < 0 || end < 0) throw new Error('MONITOR did not report the markers')
        return { value, lines: lines.slice(start + 1, end) }
      } finally {
        monitor.destroy()
      }
    },
    async close() {
      await marker.close()
    },
  }
}

/** The address (`ip:port`) of a named client, as MONITOR lines show it. */
export async function addressOf(client: BenchRedisClient, name: string): Promise<string> {
  const entry = (await client.clientList()).find((c) => c.name === name)
  if (!entry) throw new Error(`no Redis client named ${name}`)
  return entry.addr
}

/**
 * The commands one client sent, and the commands its scripts ran (MONITOR shows an EVAL, then
 * the `[0 lua]` lines of what it ran).
 */
export function commandsOf(
  lines: readonly string[],
  address: string,
): { sent: string[]; inScripts: number } {
  const sent: string[] = []
  let inScripts = 0
  let ours = false
  for (const line of lines) {
    const match = /^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]*)"/.exec(line)
    if (!match) continue
    const [, from, command] = match
    if (from === 'lua') {
      if (ours) inScripts++
      continue
    }
    ours = from === address
    if (ours) sent.push(command!.toUpperCase())
  }
  if (process.env.BENCH_DEBUG_MONITOR) process.stderr.write(`${lines.join('\n')}\n---\n`)
  return { sent, inScripts }
}
