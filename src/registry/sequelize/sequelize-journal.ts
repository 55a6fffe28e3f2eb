import { Op, type ModelStatic, type Sequelize, type Transaction } from 'sequelize'
import type { Actor } from '../../core/ending.js'
import type {
  AuditEntry,
  AuditFilter,
  AuditRecord,
  AuditSortKey,
  SessionEnding,
  SessionJournal,
} from '../../core/ports/journal.js'
import type { PageQuery, StorageLocation } from '../../core/ports/registry.js'
import { endingRef } from '../../core/session-ref.js'
import {
  defineJournalModels,
  type JournalTables,
  type SessionAuditAttributes,
  type SessionAuditRow,
  type SessionEndingAttributes,
  type SessionEndingRow,
} from './journal.models.js'
import { locationOf, orderOf, whereOf } from './listing.js'
import { withRetry } from './retry.js'
import { chunks } from './sequelize-registry.js'
import { insertStatement } from './sql.js'

export class SequelizeJournal implements SessionJournal {
  readonly Ending: ModelStatic<SessionEndingRow>
  readonly Audit: ModelStatic<SessionAuditRow>

  constructor(
    private readonly sequelize: Sequelize,
    tables: JournalTables,
  ) {
    const models = defineJournalModels(sequelize, tables)
    this.Ending = models.Ending
    this.Audit = models.Audit
  }

  async recordEndings(
    endings: ReadonlyArray<SessionEnding & { sid: string }>,
    transaction?: Transaction,
  ): Promise<void> {
    for (const chunk of chunks(endings)) {
      await withRetry(
        'record why sessions ended',
        () => this.Ending.bulkCreate(chunk.map(endingRow), { ignoreDuplicates: true, transaction }),
        transaction,
      )
    }
  }

  /** The INSERTs of `recordEndings()` and `audit()` for one batch, as SQL (no `;`). */
  insertStatements(
    endings: ReadonlyArray<SessionEnding & { sid: string }>,
    entries: readonly AuditEntry[],
  ): { endings: string; audit: string } {
    return {
      endings: insertStatement(this.Ending, endings.map(endingRow), { ignoreDuplicates: true }),
      audit: insertStatement(this.Audit, entries.map(auditRow)),
    }
  }

  async findEnding(sid: string): Promise<SessionEnding | null> {
    const row = await this.Ending.findOne({
      where: { ref: endingRef(sid), expiresAt: { [Op.gt]: new Date() } },
      raw: true,
    })
    return row ? endingOf(row) : null
  }

  async findEndings(sids: readonly string[]): Promise<Map<string, SessionEnding>> {
    const found = new Map<string, SessionEnding>()
    const sidByRef = new Map(sids.map((sid) => [endingRef(sid), sid]))
    for (const refs of chunks([...sidByRef.keys()])) {
      const rows = await this.Ending.findAll({
        where: { ref: { [Op.in]: refs }, expiresAt: { [Op.gt]: new Date() } },
        raw: true,
      })
      for (const row of rows) found.set(sidByRef.get(row.ref)!, endingOf(row))
    }
    return found
  }

  async audit(entries: readonly AuditEntry[], transaction?: Transaction): Promise<void> {
    for (const chunk of chunks(entries)) {
      await withRetry(
        'write the audit trail',
        () => this.Audit.bulkCreate(chunk.map(auditRow), { transaction }),
        transaction,
      )
    }
  }

  async pruneEndings(): Promise<number> {
    return withRetry('prune ending records', () =>
      this.Ending.destroy({ where: { expiresAt: { [Op.lte]: new Date() } } }),
    )
  }

  async auditPage(query: PageQuery<AuditFilter, AuditSortKey>): Promise<AuditRecord[]> {
    const rows = await this.Audit.findAll({
      where: auditWhere(query.filter),
      order: orderOf(query.sort),
      offset: query.offset,
      limit: query.limit,
      raw: true,
    })
    return rows.map(toAuditRecord)
  }

  countAudit(filter: AuditFilter): Promise<number> {
    return this.Audit.count({ where: auditWhere(filter) })
  }

  async auditByIds(ids: readonly number[]): Promise<AuditRecord[]> {
    const records: AuditRecord[] = []
    for (const chunk of chunks(ids.filter((id) => Number.isSafeInteger(id) && id > 0))) {
      const rows = await this.Audit.findAll({
        where: { id: { [Op.in]: chunk } },
        order: [['id', 'ASC']],
        raw: true,
      })
      records.push(...rows.map(toAuditRecord))
    }
    return records
  }

  location(): StorageLocation {
    return locationOf(this.sequelize)
  }
}

function auditWhere(filter: AuditFilter) {
  return whereOf(
    {
      id: filter.id,
      userId: filter.userId,
      event: filter.event,
      actorKind: filter.actorKind,
      actorId: filter.actorId,
    },
    {},
    { at: filter.at },
  )
}

function toAuditRecord(row: SessionAuditAttributes): AuditRecord {
  return {
    id: Number(row.id),
    at: new Date(row.at),
    userId: String(row.userId),
    event: row.event as AuditRecord['event'],
    sessions: Number(row.sessions),
    sessionRefs: row.sessionRefs ? row.sessionRefs.split(' ') : [],
    actor: {
      kind: row.actorKind as Actor['kind'],
      id: row.actorId ?? null,
      label: row.actorLabel ?? null,
    },
    detail: row.detail ?? null,
  }
}

/** A stored reason as the port gives it. */
function endingOf(row: SessionEndingAttributes): SessionEnding {
  return {
    reason: row.reason as SessionEnding['reason'],
    userId: row.userId,
    endedAt: new Date(row.endedAt),
    expiresAt: new Date(row.expiresAt),
    actor: {
      kind: row.actorKind as Actor['kind'],
      id: row.actorId,
      label: row.actorLabel,
    },
    newDevice: row.newDevice,
  }
}

function endingRow(ending: SessionEnding & { sid: string }): SessionEndingAttributes {
  return {
    ref: endingRef(ending.sid),
    userId: ending.userId,
    reason: ending.reason,
    endedAt: ending.endedAt,
    expiresAt: ending.expiresAt,
    actorKind: ending.actor.kind,
    actorId: ending.actor.id,
    actorLabel: ending.actor.label,
    newDevice: ending.newDevice,
  }
}

function auditRow(entry: AuditEntry): Omit<SessionAuditAttributes, 'id'> {
  return {
    at: entry.at,
    userId: entry.userId,
    event: entry.event,
    sessions: entry.sessions,
    sessionRefs: entry.sessionRefs.join(' '),
    actorKind: entry.actor.kind,
    actorId: entry.actor.id,
    actorLabel: entry.actor.label,
    detail: entry.detail,
  }
}
