import type { Sequelize } from 'sequelize'
import type { AuditRecord } from '../../src/core/ports/journal.js'
import type {
  NewSessionRecord,
  SessionFilter,
  SessionRecord,
} from '../../src/core/ports/registry.js'
import type { SingleSession } from '../../src/index.js'
import type { RedisArg, RedisCommands } from '../../src/redis/client.js'
import { asArray, asString } from '../../src/redis/client.js'
import { SequelizeJournal } from '../../src/registry/sequelize/sequelize-journal.js'
import { SequelizeRegistry } from '../../src/registry/sequelize/sequelize-registry.js'

/**
 * What the tests read of the library's records, on either backend: through the ports where
 * they say enough, and through the backend's own storage (SQL rows, Redis keys) where they do
 * not (the ports have no count of the kept reasons, say).
 */
type Instance = Pick<SingleSession<never>, 'registry' | 'journal' | 'options'>

const EVERYTHING = 1_000_000

/** Every recorded session matching `filter`, oldest first (by id). */
export function recordsOf(
  singleSession: Pick<Instance, 'registry'>,
  filter: SessionFilter = {},
): Promise<SessionRecord[]> {
  return singleSession.registry.page({
    filter,
    sort: { by: 'id', direction: 'asc' },
    offset: 0,
    limit: EVERYTHING,
  })
}

/** Every line of the audit trail, oldest first. */
export function auditLinesOf(singleSession: Pick<Instance, 'journal'>): Promise<AuditRecord[]> {
  return singleSession.journal.auditPage({
    filter: {},
    sort: { by: 'id', direction: 'asc' },
    offset: 0,
    limit: EVERYTHING,
  })
}

/** The library's Redis client and key tag, or null on the SQL backend. */
function redisOf(singleSession: Instance): { redis: RedisCommands; tag: string } | null {
  const { backend } = singleSession.options
  return backend.kind === 'redis' ? { redis: backend.redis, tag: `{${backend.prefix}}` } : null
}

/** The keys matching `pattern` (SCAN). */
async function keysMatching(redis: RedisCommands, pattern: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = asArray(
      await redis.send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000]),
    )
    cursor = asString(next) ?? '0'
    for (const key of asArray(batch)) keys.push(asString(key)!)
  } while (cursor !== '0')
  return keys
}

/** How many reasons for ended sessions are kept: SQL rows, or Redis keys. */
export async function countEndings(singleSession: Instance): Promise<number> {
  const redis = redisOf(singleSession)
  if (redis) return (await keysMatching(redis.redis, `${redis.tag}:end:*`)).length
  return sqlJournalOf(singleSession).Ending.count()
}

/**
 * Makes every kept reason outlive its session: past its expiry in SQL (pruning deletes it
 * then), gone in Redis (where it expires with the session). Resolves to the reasons' remaining
 * lives in ms before, in Redis (PTTL), or null in SQL.
 */
export async function outliveEndings(singleSession: Instance): Promise<number[] | null> {
  const redis = redisOf(singleSession)
  if (!redis) {
    await sqlJournalOf(singleSession).Ending.update(
      { expiresAt: new Date(Date.now() - 1000) },
      { where: {} },
    )
    return null
  }
  const keys = await keysMatching(redis.redis, `${redis.tag}:end:*`)
  const lives = await Promise.all(
    keys.map((key) => redis.redis.send(['PTTL', key], key).then(Number)),
  )
  await Promise.all(keys.map((key) => redis.redis.send(['DEL', key], key)))
  return lives
}

/**
 * Records sessions as if they had logged in earlier: one bulk insert in SQL, the registry's
 * own `add()` in Redis.
 */
export async function seedRecords(
  singleSession: Instance,
  records: ReadonlyArray<NewSessionRecord>,
): Promise<void> {
  const { registry } = singleSession
  if (registry instanceof SequelizeRegistry) {
    await registry.model.bulkCreate(
      records.map((record) => ({ ...record, lastSeenAt: record.createdAt })),
    )
    return
  }
  for (let i = 0; i < records.length; i += 1000) {
    await Promise.all(records.slice(i, i + 1000).map((record) => registry.add(record)))
  }
}

/**
 * The round trips to the library's backend while `run` runs: each SQL statement, or each wave
 * of Redis commands (commands sent while others are in flight are pipelined with them).
 */
export async function roundTripsOf(
  singleSession: Instance,
  run: () => Promise<unknown>,
): Promise<string[]> {
  const redis = redisOf(singleSession)
  if (!redis) return statementsOf(sqlOf(singleSession), run)
  const client = redis.redis
  const send = client.send.bind(client)
  const trips: string[] = []
  let inFlight = 0
  client.send = (args: readonly RedisArg[], key?: string) => {
    if (inFlight === 0) trips.push(String(args[0]))
    else trips[trips.length - 1] += ` ${String(args[0])}`
    inFlight += 1
    return send(args, key).finally(() => (inFlight -= 1))
  }
  try {
    await run()
  } finally {
    client.send = send
  }
  return trips
}

/** The SQL statements `run` completed through a Sequelize instance. */
export async function statementsOf(
  sequelize: Sequelize,
  run: () => Promise<unknown>,
): Promise<string[]> {
  const statements: string[] = []
  sequelize.addHook('afterQuery', 'count-statements', (_options, query) => {
    statements.push(String((query as unknown as { sql: string }).sql))
  })
  try {
    await run()
  } finally {
    sequelize.removeHook('afterQuery', 'count-statements')
  }
  return statements
}

function sqlOf(singleSession: Instance): Sequelize {
  const { backend } = singleSession.options
  if (backend.kind !== 'sql') throw new Error('this test needs the SQL backend')
  return backend.sequelize
}

function sqlJournalOf(singleSession: Instance): SequelizeJournal {
  const { journal } = singleSession
  if (!(journal instanceof SequelizeJournal)) throw new Error('this test needs the SQL journal')
  return journal
}
