import { Op, type Sequelize, type Transaction } from 'sequelize'
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
import { insertWithinLimit } from './limited-insert.js'
import { locationOf, orderOf, whereOf } from './listing.js'
import { missingTables } from './missing-table.js'
import { withRetry } from './retry.js'
import { deleteByIdStatement, queryGeneratorOf } from './sql.js'
import { inTransaction } from './transaction.js'
import {
  defineUserSessionModel,
  type UserSessionAttributes,
  type UserSessionModel,
} from './user-session.model.js'

/**
 * The deadline of a timed-out session being ended: in the past, so every load still refuses
 * it, and distinct, so nobody else claims it again.
 */
const CLAIMED = new Date(1000)

/** Ids per statement in bulk operations: far below every dialect's SQL length limit. */
export const BATCH_SIZE = 5000

const RECORD_ATTRIBUTES = [
  'id',
  'sid',
  'userId',
  'createdAt',
  'lastSeenAt',
  'expiresAt',
  'ip',
  'userAgent',
  'idleTimeout',
  'absoluteTimeout',
  'timesOutAt',
] as const

export class SequelizeRegistry implements SessionRegistry {
  readonly model: UserSessionModel

  constructor(
    readonly sequelize: Sequelize,
    tableName: string,
  ) {
    this.model = defineUserSessionModel(sequelize, tableName)
  }

  async add(record: NewSessionRecord): Promise<void> {
    await withRetry('record session', () =>
      this.model.create({ ...record, lastSeenAt: record.createdAt }),
    )
  }

  async addWithinLimit(record: NewSessionRecord, limit: number): Promise<boolean> {
    return insertWithinLimit(this.model, record, limit)
  }

  async addKeepingNewest(record: NewSessionRecord, keep: number): Promise<SessionOwner[]> {
    await this.add(record)
    return this.overflow(record.userId, keep)
  }

  async overflow(userId: string, keep: number): Promise<SessionOwner[]> {
    const rows = await withRetry('find sessions over the limit', () =>
      this.model.findAll({
        attributes: ['id', 'sid', 'userId', 'expiresAt'],
        where: { userId },
        order: [['id', 'DESC']],
        offset: keep,
        limit: BATCH_SIZE,
        raw: true,
      }),
    )
    return rows.map(toOwner)
  }

  async countByUser(userIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    for (const chunk of chunks(userIds)) {
      const rows = (await this.model.count({
        where: { userId: { [Op.in]: chunk } },
        group: ['userId'],
      })) as unknown as Array<{ userId: string; count: number | string }>
      for (const row of rows) counts.set(String(row.userId), Number(row.count))
    }
    return counts
  }

  async sessionsOf(userIds: readonly string[]): Promise<SessionOwner[]> {
    const owners: SessionOwner[] = []
    for (const chunk of chunks(userIds)) {
      const rows = await withRetry('find sessions of users', () =>
        this.model.findAll({
          attributes: ['id', 'sid', 'userId', 'expiresAt'],
          where: { userId: { [Op.in]: chunk } },
          order: [['id', 'ASC']],
          raw: true,
        }),
      )
      owners.push(...rows.map(toOwner))
    }
    return owners
  }

  async list(userId: string): Promise<SessionRecord[]> {
    const rows = await this.model.findAll({
      attributes: [...RECORD_ATTRIBUTES],
      where: { userId },
      order: [['id', 'DESC']],
      raw: true,
    })
    return rows.map(toRecord)
  }

  async find(sid: string): Promise<SessionRecord | null> {
    const row = await this.model.findOne({
      attributes: [...RECORD_ATTRIBUTES],
      where: { sid },
      raw: true,
    })
    return row ? toRecord(row) : null
  }

  async findOwned(userId: string, id: number): Promise<SessionRecord | null> {
    if (!Number.isSafeInteger(id) || id < 1) return null
    const row = await this.model.findOne({
      attributes: [...RECORD_ATTRIBUTES],
      where: { id, userId },
      raw: true,
    })
    return row ? toRecord(row) : null
  }

  async recorded(sids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>()
    for (const chunk of chunks(sids)) {
      const rows = await this.model.findAll({
        attributes: ['sid'],
        where: { sid: { [Op.in]: chunk } },
        raw: true,
      })
      for (const row of rows) found.add(row.sid)
    }
    return found
  }

  async seenBefore(before: Date, afterId: number, limit: number): Promise<SessionOwner[]> {
    const rows = await this.model.findAll({
      attributes: ['id', 'sid', 'userId', 'expiresAt'],
      where: { lastSeenAt: { [Op.lt]: before }, id: { [Op.gt]: afterId } },
      order: [['id', 'ASC']],
      limit,
      raw: true,
    })
    return rows.map(toOwner)
  }

  async remove(sids: readonly string[], transaction?: Transaction): Promise<number> {
    let removed = 0
    for (const chunk of chunks(sids)) {
      removed += await withRetry(
        'forget sessions',
        () => this.model.destroy({ where: { sid: { [Op.in]: chunk } }, transaction }),
        transaction,
      )
    }
    return removed
  }

  async currentSids(ids: readonly number[], transaction?: Transaction): Promise<string[]> {
    const sids: string[] = []
    for (const chunk of chunks(ids)) {
      const rows = await withRetry(
        'read the sessions to end',
        () =>
          this.model.findAll({
            attributes: ['sid'],
            where: { id: { [Op.in]: chunk } },
            raw: true,
            transaction,
            lock: transaction ? true : undefined,
          }),
        transaction,
      )
      sids.push(...rows.map((row) => row.sid))
    }
    return sids
  }

  async removeRecords(ids: readonly number[], transaction?: Transaction): Promise<number> {
    let removed = 0
    for (const chunk of chunks(ids)) {
      removed += await withRetry(
        'forget sessions',
        () => this.model.destroy({ where: { id: { [Op.in]: chunk } }, transaction }),
        transaction,
      )
    }
    return removed
  }

  async removeStale(ids: readonly number[], before: Date): Promise<number> {
    let removed = 0
    for (const chunk of chunks(ids)) {
      removed += await withRetry('prune session records', () =>
        this.model.destroy({ where: { id: { [Op.in]: chunk }, lastSeenAt: { [Op.lt]: before } } }),
      )
    }
    return removed
  }

  /**
   * The DELETE of `removeRecords()` for one batch, as SQL, returning the sid each record had
   * when it was deleted (PostgreSQL).
   */
  deleteByIdsReturningSids(ids: readonly number[]): string {
    return `${deleteByIdStatement(this.model, ids)} RETURNING ${queryGeneratorOf(this.sequelize).quoteIdentifier('sid')}`
  }

  async rename(oldSid: string, newSid: string, expiresAt: Date): Promise<boolean> {
    const record = await this.find(oldSid)
    if (!record) return false
    const now = new Date()
    const deadline = timesOutAt(timeoutsOf(record), record.createdAt.getTime(), now.getTime())
    const [updated] = await withRetry('move session record', () =>
      this.model.update(
        { sid: newSid, expiresAt, lastSeenAt: now, timesOutAt: deadline },
        { where: { sid: oldSid } },
      ),
    )
    return updated > 0
  }

  async touch(sid: string, seenAt: Date, expiresAt: Date, deadline: Date | null): Promise<void> {
    await withRetry('update last seen', () =>
      this.model.update(
        { lastSeenAt: seenAt, expiresAt, timesOutAt: deadline },
        { where: { sid } },
      ),
    )
  }

  async timedOut(now: Date, limit: number): Promise<SessionRecord[]> {
    const rows = await withRetry('find timed-out sessions', () =>
      this.model.findAll({
        attributes: [...RECORD_ATTRIBUTES],
        where: { timesOutAt: { [Op.gt]: CLAIMED, [Op.lte]: now } },
        order: [['timesOutAt', 'ASC']],
        limit,
        raw: true,
      }),
    )
    return rows.map(toRecord)
  }

  async claimTimedOut(record: SessionRecord): Promise<boolean> {
    const deadline = record.timesOutAt
    if (!deadline || deadline.getTime() <= CLAIMED.getTime()) return false
    // Compare-and-set on the deadline that was read: of all the callers that read it, one wins.
    const [claimed] = await withRetry('claim timed-out session', () =>
      this.model.update(
        { timesOutAt: CLAIMED },
        { where: { sid: record.sid, timesOutAt: deadline } },
      ),
    )
    return claimed > 0
  }

  async releaseClaim(record: SessionRecord): Promise<void> {
    await withRetry('release timed-out session', () =>
      this.model.update(
        { timesOutAt: record.timesOutAt },
        { where: { sid: record.sid, timesOutAt: CLAIMED } },
      ),
    )
  }

  inTransaction<T>(
    what: string,
    work: (transaction: Transaction | undefined) => Promise<T>,
  ): Promise<T> {
    return inTransaction(this.sequelize, what, work)
  }

  async page(query: PageQuery<SessionFilter, SessionSortKey>): Promise<SessionRecord[]> {
    const rows = await this.model.findAll({
      attributes: [...RECORD_ATTRIBUTES],
      where: sessionWhere(query.filter),
      order: orderOf(query.sort),
      offset: query.offset,
      limit: query.limit,
      raw: true,
    })
    return rows.map(toRecord)
  }

  count(filter: SessionFilter): Promise<number> {
    return this.model.count({ where: sessionWhere(filter) })
  }

  async findByIds(ids: readonly number[]): Promise<SessionRecord[]> {
    const records: SessionRecord[] = []
    for (const chunk of chunks(ids.filter((id) => Number.isSafeInteger(id) && id > 0))) {
      const rows = await this.model.findAll({
        attributes: [...RECORD_ATTRIBUTES],
        where: { id: { [Op.in]: chunk } },
        order: [['id', 'ASC']],
        raw: true,
      })
      records.push(...rows.map(toRecord))
    }
    return records
  }

  location(): StorageLocation {
    return locationOf(this.sequelize)
  }

  missingTables(names: readonly string[]): Promise<string[]> {
    return missingTables(this.sequelize, names)
  }
}

function sessionWhere(filter: SessionFilter) {
  return whereOf(
    { id: filter.id, userId: filter.userId },
    { ip: filter.ip, userAgent: filter.userAgent },
    {
      createdAt: filter.createdAt,
      lastSeenAt: filter.lastSeenAt,
      expiresAt: filter.expiresAt,
      timesOutAt: filter.timesOutAt,
    },
  )
}

function toRecord(
  row: Pick<UserSessionAttributes, (typeof RECORD_ATTRIBUTES)[number]>,
): SessionRecord {
  return {
    id: Number(row.id),
    sid: String(row.sid),
    userId: String(row.userId),
    createdAt: new Date(row.createdAt),
    lastSeenAt: new Date(row.lastSeenAt),
    expiresAt: new Date(row.expiresAt),
    ip: row.ip ?? null,
    userAgent: row.userAgent ?? null,
    // BIGINT comes back as a string on PostgreSQL.
    idleTimeout: row.idleTimeout == null ? null : Number(row.idleTimeout),
    absoluteTimeout: row.absoluteTimeout == null ? null : Number(row.absoluteTimeout),
    timesOutAt: row.timesOutAt == null ? null : new Date(row.timesOutAt),
  }
}

function toOwner(
  row: Pick<UserSessionAttributes, 'id' | 'sid' | 'userId' | 'expiresAt'>,
): SessionOwner {
  return {
    id: Number(row.id),
    sid: row.sid,
    userId: row.userId,
    expiresAt: new Date(row.expiresAt),
  }
}

export function* chunks<T>(items: readonly T[], size = BATCH_SIZE): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}
