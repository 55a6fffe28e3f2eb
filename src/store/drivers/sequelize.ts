import type { SessionData, Store } from 'express-session'
import {
  Op,
  QueryTypes,
  type Model,
  type ModelStatic,
  type Sequelize,
  type Transaction,
} from 'sequelize'
import { ErrorCodes, SingleSessionError } from '../../errors.js'
import { log } from '../../log.js'
import { missingTables } from '../../registry/sequelize/missing-table.js'
import { withRetry } from '../../registry/sequelize/retry.js'
import { chunks } from '../../registry/sequelize/sequelize-registry.js'
import { deleteBySidStatement, queryGeneratorOf } from '../../registry/sequelize/sql.js'
import type { JoinedReadDriver, MarkedSession } from '../driver.js'
import { parseSessionData } from './stock.js'

type Callback<T = unknown> = (err?: unknown, result?: T) => void

/** The parts of connect-session-sequelize's store the driver relies on. */
export interface SequelizeStoreLike extends Store {
  sessionModel: ModelStatic<Model>
  options: {
    extendDefaultFields?: (
      defaults: Record<string, unknown>,
      session: unknown,
    ) => Record<string, unknown>
    disableTouch?: boolean
  }
  expiration(data: unknown): Date
  clearExpiredSessions(fn?: Callback): Promise<unknown>
  startExpiringSessions(): void
  sync(options?: unknown): Promise<unknown>
}

export function isSequelizeStore(store: unknown): store is SequelizeStoreLike {
  const candidate = store as Partial<SequelizeStoreLike> | null
  const model = candidate?.sessionModel as
    { getAttributes?: () => Record<string, unknown> } | undefined
  if (typeof model?.getAttributes !== 'function') return false
  const attributes = model.getAttributes()
  return (
    'sid' in attributes &&
    'data' in attributes &&
    'expires' in attributes &&
    typeof candidate?.expiration === 'function' &&
    typeof candidate.clearExpiredSessions === 'function'
  )
}

/**
 * connect-session-sequelize. Saves of known sessions are UPDATEs (the stock store upserts), a
 * bulk end is one DELETE per batch, and when the registry is on the same Sequelize instance a
 * load and its registry lookup are one joined query.
 */
export class SequelizeStoreDriver implements JoinedReadDriver {
  readonly name = 'connect-session-sequelize'
  readonly shared = true
  readonly store: SequelizeStoreLike
  private readonly model: ModelStatic<Model>
  /** The Sequelize instance of the store's model. */
  readonly sequelize: Sequelize

  /** The registry's table when it is on the store's Sequelize instance: loads then join it. */
  private registryTable: string | null = null

  constructor(store: SequelizeStoreLike) {
    this.store = store
    this.model = store.sessionModel
    if (!this.model.sequelize) {
      throw new SingleSessionError(
        ErrorCodes.UNSUPPORTED_STORE,
        'The session store model has no Sequelize instance',
      )
    }
    this.sequelize = this.model.sequelize
  }

  get tableName(): string {
    return this.model.tableName
  }

  async read(sid: string): Promise<SessionData | null> {
    const row = (await this.model.findOne({
      attributes: ['data', 'expires'],
      where: { sid },
      raw: true,
    })) as { data: string; expires: unknown } | null
    return row ? liveData(sid, row.data, row.expires) : null
  }

  /** The session and, in the same query, whether the registry holds it and its time-out. */
  async readWithRecord(
    sid: string,
  ): Promise<{ data: SessionData; recorded: boolean; timesOutAt: Date | null } | null> {
    if (this.registryTable === null) throw new Error('the registry is not in the store database')
    const rows = await this.sequelize.query<{
      data: string
      expires: unknown
      recorded: unknown
      timesOutAt: unknown
    }>(
      `SELECT s.${this.column('data')} AS data, s.${this.column('expires')} AS expires, r.sid AS recorded,` +
        ` r.${this.quoteName('timesOutAt')} AS ${this.quoteName('timesOutAt')}` +
        ` FROM ${this.quoted(this.tableName)} s LEFT JOIN ${this.quoted(this.registryTable)} r` +
        ` ON r.sid = s.${this.column('sid')} WHERE s.${this.column('sid')} = :sid`,
      { replacements: { sid }, type: QueryTypes.SELECT },
    )
    const row = rows[0]
    if (!row) return null
    const data = liveData(sid, row.data, row.expires)
    if (!data) return null
    return {
      data,
      recorded: row.recorded != null,
      timesOutAt: row.timesOutAt == null ? null : toDate(row.timesOutAt),
    }
  }

  /** The registry joins the store's queries when it is on the store's Sequelize instance. */
  attachRegistry(sequelize: Sequelize, table: string): void {
    if (sequelize === this.sequelize) this.registryTable = table
  }

  joinsRegistry(): Promise<boolean> {
    return Promise.resolve(this.registryTable !== null)
  }

  async insert(sid: string, session: SessionData): Promise<void> {
    const fields = this.fields(session)
    await withRetry('insert session', () => this.model.create({ sid, ...fields }))
  }

  async update(sid: string, session: SessionData): Promise<boolean> {
    const [updated] = await withRetry('update session', () =>
      this.model.update(this.fields(session), { where: { sid } }),
    )
    if (updated > 0) return true
    // MariaDB counts changed rows, not matched ones: 0 can also mean "same values".
    return (await this.model.findOne({ attributes: ['sid'], where: { sid } })) !== null
  }

  private fields(session: SessionData): Record<string, unknown> {
    const defaults: Record<string, unknown> = {
      data: JSON.stringify(session),
      expires: this.store.expiration(session),
    }
    const extend = this.store.options.extendDefaultFields
    return extend ? extend(defaults, session) : defaults
  }

  expiryOf(session: SessionData): Date {
    return new Date(this.store.expiration(session))
  }

  /**
   * `transaction` is the registry's, when it is on this Sequelize instance: the deletes then
   * commit with the rest of the end.
   */
  async destroyMany(sids: readonly string[], transaction?: Transaction): Promise<number> {
    let destroyed = 0
    for (const chunk of chunks(sids)) {
      destroyed += await withRetry(
        'destroy sessions',
        () => this.model.destroy({ where: { sid: { [Op.in]: chunk } }, transaction }),
        transaction,
      )
    }
    return destroyed
  }

  /**
   * The DELETE of `destroyMany()` for one batch, as SQL; with `alsoSidsOf`, the name of a WITH
   * clause of the same statement, also the sessions of the sids it returns.
   */
  deleteStatement(sids: readonly string[], alsoSidsOf?: string): string {
    return deleteBySidStatement(this.model, sids, alsoSidsOf)
  }

  async alive(sids: readonly string[]): Promise<Set<string>> {
    const alive = new Set<string>()
    for (const chunk of chunks(sids)) {
      const rows = await this.model.findAll({
        attributes: ['sid'],
        where: { sid: { [Op.in]: chunk }, expires: { [Op.gt]: new Date() } },
        raw: true,
      })
      for (const row of rows as unknown as { sid: string }[]) alive.add(row.sid)
    }
    return alive
  }

  pruneExpired(): Promise<number> {
    return withRetry('delete expired sessions', () =>
      this.model.destroy({ where: { expires: { [Op.lt]: new Date() } } }),
    )
  }

  async marked(key: string, after: string, limit: number): Promise<MarkedSession[]> {
    const rows = (await this.model.findAll({
      attributes: ['sid', 'data'],
      where: {
        data: { [Op.like]: `%${JSON.stringify(key)}:{%` },
        sid: { [Op.gt]: after },
      },
      order: [['sid', 'ASC']],
      limit,
      raw: true,
    })) as unknown as Array<{ sid: string; data: string }>
    return rows.flatMap(({ sid, data }) => {
      const parsed = parseSessionData(data)
      return parsed ? [{ sid, data: parsed }] : []
    })
  }

  afterCleanup(task: () => Promise<unknown>): void {
    const original = this.store.clearExpiredSessions.bind(this.store)
    this.store.clearExpiredSessions = (callback?: Callback) =>
      original()
        .then(task)
        .then(
          () => callback?.(),
          (error: unknown) => {
            log('cleanup failed: %O', error)
            callback?.(error)
          },
        )
    // The store's timer bound the original method at construction: restart it on ours.
    this.store.startExpiringSessions()
  }

  async createTable(): Promise<void> {
    await this.store.sync()
  }

  async ready(): Promise<boolean> {
    return (await missingTables(this.sequelize, [this.tableName])).length === 0
  }

  private column(attribute: string): string {
    const field = this.model.getAttributes()[attribute]?.field ?? attribute
    return this.quoteName(field)
  }

  private quoteName(name: string): string {
    return queryGeneratorOf(this.sequelize).quoteIdentifier(name)
  }

  private quoted(table: string): string {
    return queryGeneratorOf(this.sequelize).quoteTable(table)
  }
}

/** Stored data that has not expired and can be read, or null. */
function liveData(sid: string, data: string, expires: unknown): SessionData | null {
  if (expires != null && toDate(expires).getTime() <= Date.now()) {
    log('refusing expired session %s', sid)
    return null
  }
  const parsed = parseSessionData(data)
  if (!parsed) log('refusing unreadable session %s', sid)
  return parsed
}

/** A date column of a raw query: a Date, or a string on SQLite. */
function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value))
}
