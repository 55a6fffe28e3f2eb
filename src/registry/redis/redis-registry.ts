import { timeoutsOf, timesOutAt } from '../../core/timeouts.js'
import type {
  NewSessionRecord,
  PageQuery,
  SessionFilter,
  SessionOwner,
  SessionRecord,
  SessionRegistry,
  SessionSortKey,
  StorageLocation,
} from '../../core/ports/registry.js'
import {
  asArray,
  asNumber,
  type RedisArg,
  type RedisCommands,
  type RedisScript,
} from '../../redis/client.js'
import { recordArgs, time, toOwner, toOwners, toRecord, toRecords } from './codec.js'
import type { RedisKeys } from './keys.js'
import { contains, inRange, sortedPage } from './listing.js'
import {
  ADMIT,
  FIND,
  RECORDED,
  RECORDS,
  REMOVE_IDS,
  REMOVE_SIDS,
  RENAME,
  SWAP_TIMEOUT,
  TOUCH,
  USER_RECORDS,
} from './scripts.js'

/** The time-out of a record being ended: in the past, so loads refuse it, and never a real one. */
const CLAIMED = 1000

/** Arguments per script call in bulk operations: far below Lua's stack limit. */
export const REDIS_BATCH = 1000

/**
 * The registry in Redis (see keys.ts for the layout). A login is one script; so are a rename,
 * a touch and a bulk removal. A record expires `grace` ms after its session's expiry as last
 * written, so a session whose requests move its expiry forward between two last-seen writes
 * never outlives its record.
 */
export class RedisRegistry implements SessionRegistry {
  constructor(
    readonly redis: RedisCommands,
    readonly keys: RedisKeys,
    private readonly grace: number,
  ) {}

  private run(script: RedisScript, args: readonly RedisArg[]): Promise<unknown> {
    return script.run(this.redis, [this.keys.seq], [this.keys.tag, ...args])
  }

  private admit(mode: 'add' | 'within' | 'keep', limit: number, record: NewSessionRecord) {
    return this.run(ADMIT, [mode, limit, this.grace, ...recordArgs(record)]).then(asArray)
  }

  async add(record: NewSessionRecord): Promise<void> {
    await this.admit('add', 0, record)
  }

  async addWithinLimit(record: NewSessionRecord, limit: number): Promise<boolean> {
    const [id] = await this.admit('within', limit, record)
    return asNumber(id) > 0
  }

  async addKeepingNewest(record: NewSessionRecord, keep: number): Promise<SessionOwner[]> {
    return toOwners((await this.admit('keep', keep, record)).slice(1))
  }

  async overflow(userId: string, keep: number): Promise<SessionOwner[]> {
    const records = await this.recordsOf([userId])
    return records
      .slice(0, Math.max(0, records.length - keep))
      .reverse()
      .map(toOwner)
  }

  async countByUser(userIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    for (const record of await this.recordsOf(userIds)) {
      counts.set(record.userId, (counts.get(record.userId) ?? 0) + 1)
    }
    return counts
  }

  async sessionsOf(userIds: readonly string[]): Promise<SessionOwner[]> {
    return (await this.recordsOf(userIds)).map(toOwner)
  }

  async list(userId: string): Promise<SessionRecord[]> {
    return (await this.recordsOf([userId])).reverse()
  }

  /** These users' live records, each user's oldest first: one script per batch of users. */
  private async recordsOf(userIds: readonly string[]): Promise<SessionRecord[]> {
    const replies = await Promise.all(
      batches(userIds).map((batch) => this.run(USER_RECORDS, batch)),
    )
    return replies.flatMap(toRecords)
  }

  async find(sid: string): Promise<SessionRecord | null> {
    const reply = await this.run(FIND, [sid])
    return reply ? toRecord(reply) : null
  }

  async findOwned(userId: string, id: number): Promise<SessionRecord | null> {
    if (!Number.isSafeInteger(id) || id < 1) return null
    const [record] = await this.findByIds([id])
    return record?.userId === userId ? record : null
  }

  async remove(sids: readonly string[]): Promise<number> {
    let removed = 0
    for (const batch of batches(sids)) removed += asNumber(await this.run(REMOVE_SIDS, batch))
    return removed
  }

  async recorded(sids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>()
    for (const batch of batches(sids)) {
      const flags = asArray(await this.run(RECORDED, batch))
      batch.forEach((sid, i) => {
        if (asNumber(flags[i]) === 1) found.add(sid)
      })
    }
    return found
  }

  async seenBefore(before: Date, afterId: number, limit: number): Promise<SessionOwner[]> {
    const owners: SessionOwner[] = []
    let after = afterId
    while (owners.length < limit) {
      const ids = asArray(
        await this.redis.send(
          ['ZRANGE', this.keys.all, `(${after}`, '+inf', 'BYSCORE', 'LIMIT', 0, REDIS_BATCH],
          this.keys.all,
        ),
      ).map(Number)
      if (ids.length === 0) break
      const records = await this.findByIds(ids)
      for (const record of records) {
        if (record.lastSeenAt < before && owners.length < limit) owners.push(toOwner(record))
      }
      after = ids.at(-1)!
      if (owners.length >= limit) break
    }
    return owners
  }

  async removeRecords(ids: readonly number[]): Promise<number> {
    return this.removeIds(ids, '')
  }

  async removeStale(ids: readonly number[], before: Date): Promise<number> {
    return this.removeIds(ids, before.getTime())
  }

  private async removeIds(ids: readonly number[], before: RedisArg): Promise<number> {
    let removed = 0
    for (const batch of batches(ids)) {
      removed += asNumber(await this.run(REMOVE_IDS, [before, ...batch]))
    }
    return removed
  }

  async rename(oldSid: string, newSid: string, expiresAt: Date): Promise<boolean> {
    const record = await this.find(oldSid)
    if (!record) return false
    const now = Date.now()
    const deadline = timesOutAt(timeoutsOf(record), record.createdAt.getTime(), now)
    const moved = await this.run(RENAME, [
      record.id,
      oldSid,
      newSid,
      now,
      expiresAt.getTime(),
      time(deadline),
      this.grace,
    ])
    return asNumber(moved) === 1
  }

  async touch(sid: string, seenAt: Date, expiresAt: Date, deadline: Date | null): Promise<void> {
    await this.run(TOUCH, [sid, seenAt.getTime(), expiresAt.getTime(), time(deadline), this.grace])
  }

  async timedOut(now: Date, limit: number): Promise<SessionRecord[]> {
    const ids = asArray(
      await this.redis.send(
        ['ZRANGE', this.keys.timeouts, `(${CLAIMED}`, now.getTime(), 'BYSCORE', 'LIMIT', 0, limit],
        this.keys.timeouts,
      ),
    ).map(Number)
    const records = await this.findByIds(ids)
    return records.sort((a, b) => a.timesOutAt!.getTime() - b.timesOutAt!.getTime())
  }

  async claimTimedOut(record: SessionRecord): Promise<boolean> {
    const deadline = record.timesOutAt
    if (!deadline || deadline.getTime() <= CLAIMED) return false
    return asNumber(await this.run(SWAP_TIMEOUT, [record.id, deadline.getTime(), CLAIMED])) === 1
  }

  async releaseClaim(record: SessionRecord): Promise<void> {
    await this.run(SWAP_TIMEOUT, [record.id, CLAIMED, time(record.timesOutAt)])
  }

  async page(query: PageQuery<SessionFilter, SessionSortKey>): Promise<SessionRecord[]> {
    const { filter, sort, offset, limit } = query
    if (isEmpty(filter) && sort.by === 'id') {
      const ids = asArray(
        await this.redis.send(
          [
            'ZRANGE',
            this.keys.all,
            offset,
            offset + limit - 1,
            ...(sort.direction === 'desc' ? ['REV'] : []),
          ],
          this.keys.all,
        ),
      ).map(Number)
      return sortedPage(await this.findByIds(ids), sort, (record) => record.id, 0, limit)
    }
    const matching = (await this.candidates(filter)).filter((record) => matches(record, filter))
    return sortedPage(matching, sort, (record) => record[sort.by], offset, limit)
  }

  async count(filter: SessionFilter): Promise<number> {
    if (isEmpty(filter)) {
      return asNumber(await this.redis.send(['ZCARD', this.keys.all], this.keys.all))
    }
    return (await this.candidates(filter)).filter((record) => matches(record, filter)).length
  }

  /** The records a filter can match: one, one user's, or all of them. */
  private async candidates(filter: SessionFilter): Promise<SessionRecord[]> {
    if (filter.id !== undefined) return this.findByIds([filter.id])
    if (filter.userId !== undefined) return this.recordsOf([filter.userId])
    const ids = asArray(await this.redis.send(['ZRANGE', this.keys.all, 0, -1], this.keys.all)).map(
      Number,
    )
    return this.findByIds(ids)
  }

  async findByIds(ids: readonly number[]): Promise<SessionRecord[]> {
    const valid = ids.filter((id) => Number.isSafeInteger(id) && id > 0)
    const replies = await Promise.all(batches(valid).map((batch) => this.run(RECORDS, batch)))
    return replies.flatMap(toRecords)
  }

  location(): StorageLocation {
    return { name: `Redis ${this.keys.tag}`, type: 'redis' }
  }

  async missingTables(): Promise<string[]> {
    await this.redis.send(['PING'])
    return []
  }
}

function isEmpty(filter: object): boolean {
  return Object.values(filter).every((value) => value === undefined)
}

function matches(record: SessionRecord, filter: SessionFilter): boolean {
  return (
    (filter.id === undefined || record.id === filter.id) &&
    (filter.userId === undefined || record.userId === filter.userId) &&
    contains(record.ip, filter.ip) &&
    contains(record.userAgent, filter.userAgent) &&
    inRange(record.createdAt, filter.createdAt) &&
    inRange(record.lastSeenAt, filter.lastSeenAt) &&
    inRange(record.expiresAt, filter.expiresAt) &&
    inRange(record.timesOutAt, filter.timesOutAt)
  )
}

export function batches<T>(items: readonly T[], size = REDIS_BATCH): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
