import {
  BaseProperty,
  BaseRecord,
  BaseResource,
  type ActionContext,
  type Filter,
  type PropertyType,
} from 'adminjs'
import type { Actor } from '../core/ending.js'
import {
  AUDIT_SORT_KEYS,
  type AuditFilter,
  type AuditRecord,
  type AuditSortKey,
  type SessionJournal,
} from '../core/ports/journal.js'
import {
  SESSION_SORT_KEYS,
  type PageQuery,
  type SessionFilter,
  type SessionRecord,
  type SessionRegistry,
  type SessionSortKey,
  type StorageLocation,
  type TimeRange,
} from '../core/ports/registry.js'
import { actorOf } from './shared.js'

/** The group of the sidebar a resource falls in when the store cannot name its database. */
const DEFAULT_LOCATION: StorageLocation = { name: 'Sessions', type: 'other' }

/** Most records one page may hold (AdminJS itself caps a page at 500). */
const MAX_PAGE = 500

/** How a field is filtered: by its id, exactly, by a part of it, or by a time range. */
type FilterKind = 'id' | 'exact' | 'contains' | 'range'

interface FieldSpec {
  type: PropertyType
  filter?: FilterKind
  sortable?: boolean
  isId?: boolean
}

class PortProperty extends BaseProperty {
  constructor(
    path: string,
    private readonly spec: FieldSpec,
  ) {
    super({ path, type: spec.type, isId: spec.isId ?? false, isSortable: spec.sortable ?? false })
  }

  override isEditable(): boolean {
    return !this.spec.isId
  }
}

/** A record id exactly as the registry writes it ("7", never "07", "7.0" or "7e0"). */
export function recordIdOf(value: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text !== 'string' || !/^[1-9]\d{0,15}$/.test(text)) return null
  const id = Number(text)
  return Number.isSafeInteger(id) ? id : null
}

function timeOf(value: unknown): Date | undefined | null {
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') return null
  const time = new Date(value)
  return Number.isNaN(time.getTime()) ? null : time
}

/**
 * AdminJS's filter as the port's: known fields only (others are ignored, as the panel offers
 * none). Null when a condition can match nothing (an id that is no id, a value that is not text).
 */
function portFilter<F>(filter: Filter | undefined, fields: Record<string, FieldSpec>): F | null {
  const result: Record<string, unknown> = {}
  for (const { path, value } of Object.values(filter?.filters ?? {})) {
    const kind = Object.hasOwn(fields, path) ? fields[path]!.filter : undefined
    if (!kind) continue
    if (kind === 'range') {
      if (!value || typeof value !== 'object') return null
      const { from, to } = value as { from?: unknown; to?: unknown }
      const range: TimeRange = {}
      const start = timeOf(from)
      const end = timeOf(to)
      if (start === null || end === null) return null
      if (start) range.from = start
      if (end) range.to = end
      result[path] = range
    } else if (kind === 'id') {
      const id = recordIdOf(value)
      if (id === null) return null
      result[path] = id
    } else {
      if (typeof value !== 'string') return null
      if (value !== '') result[path] = value
    }
  }
  return result as F
}

function pageOf<Key extends string>(
  options: Parameters<BaseResource['find']>[1],
  keys: readonly Key[],
  fallback: Key,
): Omit<PageQuery<unknown, Key>, 'filter'> {
  const sortBy = options.sort?.sortBy
  const by = keys.find((key) => key === sortBy) ?? fallback
  const direction = by === sortBy ? options.sort?.direction : undefined
  const limit = Math.min(Math.max(Math.trunc(Number(options.limit ?? 10)) || 10, 1), MAX_PAGE)
  const offset = Math.max(Math.trunc(Number(options.offset ?? 0)) || 0, 0)
  return { sort: { by, direction: direction === 'asc' ? 'asc' : 'desc' }, limit, offset }
}

function idsOf(ids: ReadonlyArray<string | number>): number[] {
  return ids.map(recordIdOf).filter((id): id is number => id !== null)
}

/** The fields of a session record as the panel shows them; the sid is never one of them. */
const SESSION_FIELDS: Record<string, FieldSpec> = {
  id: { type: 'number', isId: true, sortable: true, filter: 'id' },
  userId: { type: 'string', sortable: true, filter: 'exact' },
  createdAt: { type: 'datetime', sortable: true, filter: 'range' },
  lastSeenAt: { type: 'datetime', sortable: true, filter: 'range' },
  expiresAt: { type: 'datetime', sortable: true, filter: 'range' },
  ip: { type: 'string', sortable: true, filter: 'contains' },
  userAgent: { type: 'string', sortable: true, filter: 'contains' },
  idleTimeout: { type: 'number' },
  absoluteTimeout: { type: 'number' },
  timesOutAt: { type: 'datetime', sortable: true, filter: 'range' },
}

/** A session as a record of the panel: its sid stays on the server, outside the params. */
export class UserSessionRecord extends BaseRecord {
  readonly sid: string

  constructor(record: SessionRecord, resource: BaseResource) {
    super(
      {
        id: record.id,
        userId: record.userId,
        createdAt: record.createdAt,
        lastSeenAt: record.lastSeenAt,
        expiresAt: record.expiresAt,
        ip: record.ip,
        userAgent: record.userAgent,
        idleTimeout: record.idleTimeout,
        absoluteTimeout: record.absoluteTimeout,
        timesOutAt: record.timesOutAt,
      },
      resource,
    )
    this.sid = record.sid
  }
}

/** What the UserSession resource needs: the registry to read, and a way to end a session. */
export interface SessionSource {
  registry: SessionRegistry
  endSession(sid: string, options: { actor: Actor }): Promise<boolean>
}

/**
 * Everyone's recorded sessions as an AdminJS resource, over the registry port: whatever keeps
 * the registry (a SQL table, Redis), the panel lists, filters, sorts and ends sessions the same.
 * Deleting a record ends its session (a record forgotten while its session lives would help
 * nobody).
 */
export class UserSessionResource extends BaseResource {
  private readonly props: BaseProperty[]

  constructor(
    private readonly source: SessionSource,
    private readonly resourceId: string,
  ) {
    super(source)
    this.props = Object.entries(SESSION_FIELDS).map(([path, spec]) => new PortProperty(path, spec))
  }

  static override isAdapterFor(raw: unknown): boolean {
    return raw instanceof UserSessionResource
  }

  override databaseName(): string {
    return (this.source.registry.location?.() ?? DEFAULT_LOCATION).name
  }

  override databaseType(): string {
    return (this.source.registry.location?.() ?? DEFAULT_LOCATION).type
  }

  override id(): string {
    return this.resourceId
  }

  override properties(): BaseProperty[] {
    return [...this.props]
  }

  override property(path: string): BaseProperty | null {
    return this.props.find((p) => p.name() === path) ?? null
  }

  override async count(filter: Filter): Promise<number> {
    const query = portFilter<SessionFilter>(filter, SESSION_FIELDS)
    return query ? this.source.registry.count(query) : 0
  }

  override async find(
    filter: Filter,
    options: Parameters<BaseResource['find']>[1],
  ): Promise<UserSessionRecord[]> {
    const query = portFilter<SessionFilter>(filter, SESSION_FIELDS)
    if (!query) return []
    const page = pageOf<SessionSortKey>(options, SESSION_SORT_KEYS, 'lastSeenAt')
    const records = await this.source.registry.page({ ...page, filter: query })
    return records.map((record) => new UserSessionRecord(record, this))
  }

  override async findOne(id: string): Promise<UserSessionRecord | null> {
    const [record] = await this.findMany([id])
    return record ?? null
  }

  override async findMany(ids: Array<string | number>): Promise<UserSessionRecord[]> {
    const wanted = idsOf(ids)
    if (wanted.length === 0) return []
    const records = await this.source.registry.findByIds(wanted)
    return records.map((record) => new UserSessionRecord(record, this))
  }

  override async delete(id: string, context?: ActionContext): Promise<void> {
    const record = await this.findOne(id)
    if (record) await this.source.endSession(record.sid, { actor: actorOf(context?.currentAdmin) })
  }
}

const AUDIT_FIELDS: Record<string, FieldSpec> = {
  id: { type: 'number', isId: true, sortable: true, filter: 'id' },
  at: { type: 'datetime', sortable: true, filter: 'range' },
  userId: { type: 'string', sortable: true, filter: 'exact' },
  event: { type: 'string', sortable: true, filter: 'exact' },
  sessions: { type: 'number', sortable: true },
  sessionRefs: { type: 'string' },
  actorKind: { type: 'string', sortable: true, filter: 'exact' },
  actorId: { type: 'string', sortable: true, filter: 'exact' },
  actorLabel: { type: 'string', sortable: true },
  detail: { type: 'string', sortable: true },
}

function auditRecord(record: AuditRecord, resource: BaseResource): BaseRecord {
  return new BaseRecord(
    {
      id: record.id,
      at: record.at,
      userId: record.userId,
      event: record.event,
      sessions: record.sessions,
      sessionRefs: record.sessionRefs.join(' '),
      actorKind: record.actor.kind,
      actorId: record.actor.id,
      actorLabel: record.actor.label,
      detail: record.detail,
    },
    resource,
  )
}

/** The audit trail as a read-only AdminJS resource, over the journal port. */
export class SessionAuditResource extends BaseResource {
  private readonly props: BaseProperty[]

  constructor(
    private readonly journal: SessionJournal,
    private readonly resourceId: string,
  ) {
    super(journal)
    this.props = Object.entries(AUDIT_FIELDS).map(([path, spec]) => new PortProperty(path, spec))
  }

  static override isAdapterFor(raw: unknown): boolean {
    return raw instanceof SessionAuditResource
  }

  override databaseName(): string {
    return (this.journal.location?.() ?? DEFAULT_LOCATION).name
  }

  override databaseType(): string {
    return (this.journal.location?.() ?? DEFAULT_LOCATION).type
  }

  override id(): string {
    return this.resourceId
  }

  override properties(): BaseProperty[] {
    return [...this.props]
  }

  override property(path: string): BaseProperty | null {
    return this.props.find((p) => p.name() === path) ?? null
  }

  override async count(filter: Filter): Promise<number> {
    const query = portFilter<AuditFilter>(filter, AUDIT_FIELDS)
    return query ? this.journal.countAudit(query) : 0
  }

  override async find(
    filter: Filter,
    options: Parameters<BaseResource['find']>[1],
  ): Promise<BaseRecord[]> {
    const query = portFilter<AuditFilter>(filter, AUDIT_FIELDS)
    if (!query) return []
    const page = pageOf<AuditSortKey>(options, AUDIT_SORT_KEYS, 'at')
    const records = await this.journal.auditPage({ ...page, filter: query })
    return records.map((record) => auditRecord(record, this))
  }

  override async findOne(id: string): Promise<BaseRecord | null> {
    const [record] = await this.findMany([id])
    return record ?? null
  }

  override async findMany(ids: Array<string | number>): Promise<BaseRecord[]> {
    const wanted = idsOf(ids)
    if (wanted.length === 0) return []
    const records = await this.journal.auditByIds(wanted)
    return records.map((record) => auditRecord(record, this))
  }
}
