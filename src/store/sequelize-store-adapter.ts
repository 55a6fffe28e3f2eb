import type { SessionData, Store } from 'express-session'
import {
  Op,
  QueryTypes,
  type Model,
  type ModelStatic,
  type Sequelize,
  type Transaction,
} from 'sequelize'
import { missingTableError } from '../core/table-check.js'
import { ErrorCodes, SingleSessionError } from '../errors.js'
import { log } from '../log.js'
import { chunks } from '../registry/sequelize/sequelize-registry.js'
import { isMissingTableError, missingTables } from '../registry/sequelize/missing-table.js'
import { withRetry } from '../registry/sequelize/retry.js'
import { deleteBySidStatement, queryGeneratorOf } from '../registry/sequelize/sql.js'
import type { StoreAdapter, StoreGuardHooks } from './store-adapter.js'

type Callback<T = unknown> = (err?: unknown, result?: T) => void

/** The parts of connect-session-sequelize's store the adapter relies on. */
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
  /** Installed on the store by express-session's middleware. */
  generate(req: unknown): void
}

/** Records renamed by a regenerate are young: pruning leaves them alone for this long. */
const PRUNE_GRACE_MS = 5 * 60_000

const GUARDED = Symbol.for('adminjs-single-session.guarded')

/** Store rows read per query when looking for unrecorded signed-in sessions. */
const PRUNE_PAGE = 1000

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
 * Guards a connect-session-sequelize store:
 * - a session loaded or already written in this request is only ever UPDATEd: if it was ended
 *   meanwhile, the write is dropped instead of re-creating the row (the stock store upserts);
 * - loading refuses expired rows and logged-in sessions that have no registry record;
 * - ending sessions in bulk is one statement per batch, not one per session.
 */
export class SequelizeStoreAdapter implements StoreAdapter {
  readonly store: SequelizeStoreLike
  private readonly model: ModelStatic<Model>
  /** The Sequelize instance of the store's model. */
  readonly sequelize: Sequelize
  /** Per request: the sids known to exist in the store (loaded, or inserted by this request). */
  private readonly known = new WeakMap<object, Set<string>>()
  /** Per request: the cookie's sid when express-session found no session for it. */
  private readonly replaced = new WeakMap<object, string>()
  /** The session key of the login marker, once installed. */
  private sessionKey: string | null = null

  constructor(
    store: SequelizeStoreLike,
    private readonly registryTable: string,
  ) {
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

  install(hooks: StoreGuardHooks): void {
    const store = this.store as SequelizeStoreLike & { [GUARDED]?: boolean }
    if (store[GUARDED]) {
      throw new SingleSessionError(
        ErrorCodes.INVALID_OPTION,
        'adminjs-single-session: this session store is already guarded by another instance; create one instance per store',
      )
    }
    store[GUARDED] = true
    this.sessionKey = hooks.sessionKey

    const originalCreateSession = store.createSession.bind(store)
    const originalDestroy = store.destroy.bind(store)
    const originalClear = store.clearExpiredSessions.bind(store)

    store.get = (sid: string, callback: Callback<SessionData | null>) => {
      this.load(sid, hooks).then(
        (data) => callback(null, data),
        (error: unknown) => callback(explained(error)),
      )
    }

    this.watchGenerate(store)

    store.createSession = (req, data) => {
      const session = originalCreateSession(req, data)
      this.knownSids(req).add(req.sessionID)
      return session
    }

    store.set = (sid: string, session: SessionData, callback?: Callback) => {
      this.save(sid, session).then(
        () => callback?.(),
        (error: unknown) => callback?.(explained(error)),
      )
    }

    store.destroy = (sid: string, callback?: Callback) => {
      originalDestroy(sid, (error?: unknown) => {
        if (error) {
          callback?.(error)
          return
        }
        hooks.forget(sid).then(
          () => callback?.(),
          (failure: unknown) => callback?.(failure),
        )
      })
    }

    store.regenerate = (req, callback: (err?: unknown) => void) => {
      const oldSid = req.sessionID
      const wasLoggedIn = hasMarker(req.session, hooks.sessionKey)
      this.forgetStored(req, oldSid).then(() => {
        store.generate(req)
        this.replaced.delete(req)
        if (!wasLoggedIn) {
          callback()
          return
        }
        hooks.rename(oldSid, req.sessionID, this.expiryOf(req.session)).then(
          () => callback(),
          (failure: unknown) => callback(failure),
        )
      }, callback)
    }

    store.clearExpiredSessions = (callback?: Callback) =>
      originalClear()
        .then(() => this.pruneUnrecorded())
        .then(() => this.pruneRecords())
        .then(async (records) => {
          await hooks.cleaned()
          return records
        })
        .then(
          (records) => callback?.(null, records),
          (error: unknown) => {
            log('cleanup failed: %O', error)
            callback?.(error)
          },
        )
    // The store's timer bound the original method at construction: restart it on ours.
    store.startExpiringSessions()
  }

  /**
   * express-session assigns `store.generate` when `session()` is created, before or after us,
   * and calls it when the cookie's session is missing. Wrapping it (now, or when it is assigned)
   * is how we learn which sid the cookie named.
   */
  private watchGenerate(store: SequelizeStoreLike): void {
    const replaced = this.replaced
    let generate: ((req: { sessionID?: string }) => void) | undefined
    const wrap =
      (original: (req: { sessionID?: string }) => void) => (req: { sessionID?: string }) => {
        const previous = req.sessionID
        original(req)
        if (typeof previous === 'string') replaced.set(req, previous)
      }
    const current = (store as { generate?: (req: { sessionID?: string }) => void }).generate
    if (current) generate = wrap(current)
    Object.defineProperty(store, 'generate', {
      configurable: true,
      get: () => generate,
      set: (value: (req: { sessionID?: string }) => void) => {
        generate = wrap(value)
      },
    })
  }

  /**
   * Deletes the row a regenerate replaces. A sid this request neither loaded nor saved was
   * generated for it and never stored (the stock store would look it up anyway).
   */
  private async forgetStored(req: object, sid: string): Promise<void> {
    if (!this.knownSids(req).has(sid)) return
    await withRetry('destroy regenerated session', () => this.model.destroy({ where: { sid } }))
    this.knownSids(req).delete(sid)
  }

  replacedSid(req: object): string | null {
    return this.replaced.get(req) ?? null
  }

  /**
   * Loads a session, refusing expired rows, logged-in sessions without a record and those past
   * their time-out (which it ends through the hook).
   */
  private async load(sid: string, hooks: StoreGuardHooks): Promise<SessionData | null> {
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
    if (row.expires != null && toDate(row.expires).getTime() <= Date.now()) {
      log('refusing expired session %s', sid)
      return null
    }
    let data: SessionData
    try {
      data = JSON.parse(row.data) as SessionData
    } catch {
      log('refusing unreadable session %s', sid)
      return null
    }
    if (hasMarker(data, hooks.sessionKey) && row.recorded == null) {
      log('refusing ended session %s', sid)
      return null
    }
    if (row.timesOutAt != null && toDate(row.timesOutAt).getTime() <= Date.now()) {
      if (await hooks.timedOut(sid)) {
        log('refusing timed-out session %s', sid)
        return null
      }
    }
    return data
  }

  private async save(sid: string, session: SessionData): Promise<void> {
    const req = (session as { req?: object }).req
    const fields = this.fields(session)
    if (!req) {
      // Not written by express-session's request cycle: keep the store's own behaviour.
      const stock = Object.getPrototypeOf(this.store) as Store
      await new Promise<void>((resolve, reject) =>
        stock.set.call(this.store, sid, session, (err?: unknown) =>
          err ? reject(err instanceof Error ? err : new Error('session store failed')) : resolve(),
        ),
      )
      return
    }
    const known = this.knownSids(req)
    if (!known.has(sid)) {
      await withRetry('insert session', () => this.model.create({ sid, ...fields }))
      known.add(sid)
      return
    }
    const [updated] = await withRetry('update session', () =>
      this.model.update(fields, { where: { sid } }),
    )
    // MariaDB counts changed rows, not matched ones: 0 can also mean "same values".
    if (updated === 0 && !(await this.model.findOne({ attributes: ['sid'], where: { sid } }))) {
      log('session %s ended while its request was in flight: not writing it back', sid)
    }
  }

  private fields(session: SessionData): Record<string, unknown> {
    const defaults: Record<string, unknown> = {
      data: JSON.stringify(session),
      expires: this.store.expiration(session),
    }
    const extend = this.store.options.extendDefaultFields
    return extend ? extend(defaults, session) : defaults
  }

  expiryOf(session: object): Date {
    return new Date(this.store.expiration(session))
  }

  async destroyMany(sids: readonly string[], libraryTransaction?: Transaction): Promise<number> {
    // A transaction of another Sequelize instance would run these deletes in its database.
    // (`sequelize` is set by Transaction's constructor but missing from its type.)
    const owner = (libraryTransaction as { sequelize?: Sequelize } | undefined)?.sequelize
    const transaction = owner === this.sequelize ? libraryTransaction : undefined
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

  async prune(): Promise<{ sessions: number; unrecorded: number; records: number }> {
    const sessions = await withRetry('delete expired sessions', () =>
      this.model.destroy({ where: { expires: { [Op.lt]: new Date() } } }),
    )
    const unrecorded = await this.pruneUnrecorded()
    const records = await this.pruneRecords()
    return { sessions, unrecorded, records }
  }

  /**
   * Store rows that carry the login marker but have no record: left by a login that failed
   * and could not clean up after itself, or by an end that raced a regenerate. They are refused
   * on load; this deletes them. A login writes its row a moment before its record, so only
   * markers older than the grace period are touched, and the delete checks again that there
   * is still no record.
   */
  private async pruneUnrecorded(): Promise<number> {
    if (!this.sessionKey) return 0
    const sessionKey = this.sessionKey
    const store = this.quoted(this.tableName)
    const registry = this.quoted(this.registryTable)
    const sid = this.column('sid')
    const unrecorded = `NOT EXISTS (SELECT 1 FROM ${registry} r WHERE r.sid = ${store}.${sid})`
    const before = Date.now() - PRUNE_GRACE_MS
    let deleted = 0
    let after = ''
    for (;;) {
      const rows = await this.sequelize.query<{ sid: string; data: string }>(
        `SELECT ${sid} AS sid, ${this.column('data')} AS data FROM ${store}` +
          ` WHERE ${this.column('data')} LIKE :pattern ESCAPE '!' AND ${sid} > :after AND ${unrecorded}` +
          ` ORDER BY ${sid} LIMIT ${PRUNE_PAGE}`,
        {
          replacements: { pattern: `%${likeEscaped(JSON.stringify(sessionKey))}:{%`, after },
          type: QueryTypes.SELECT,
        },
      )
      const stale = rows
        .filter((row) => markedBefore(row.data, sessionKey, before))
        .map((row) => row.sid)
      if (stale.length > 0) {
        deleted += Number(
          (await withRetry('delete unrecorded signed-in sessions', () =>
            this.sequelize.query(
              `DELETE FROM ${store} WHERE ${sid} IN (:stale) AND ${unrecorded}`,
              {
                replacements: { stale },
                type: QueryTypes.BULKDELETE,
              },
            ),
          )) ?? 0,
        )
      }
      if (rows.length < PRUNE_PAGE) return deleted
      after = rows.at(-1)!.sid
    }
  }

  /** Registry records whose session is gone (expired and cleaned up, or deleted by hand). */
  private async pruneRecords(): Promise<number> {
    const registry = this.quoted(this.registryTable)
    const sql =
      `DELETE FROM ${registry} WHERE ${registry}.${this.quoteName('lastSeenAt')} < :before` +
      ` AND NOT EXISTS (SELECT 1 FROM ${this.quoted(this.tableName)} s` +
      ` WHERE s.${this.column('sid')} = ${registry}.${this.quoteName('sid')})`
    const result = await withRetry('prune session records', () =>
      this.sequelize.query(sql, {
        replacements: { before: new Date(Date.now() - PRUNE_GRACE_MS) },
        type: QueryTypes.BULKDELETE,
      }),
    )
    return Number(result ?? 0)
  }

  async sync(): Promise<void> {
    await this.store.sync()
  }

  async ready(): Promise<boolean> {
    return (await missingTables(this.sequelize, [this.tableName])).length === 0
  }

  private knownSids(req: object): Set<string> {
    let sids = this.known.get(req)
    if (!sids) {
      sids = new Set()
      this.known.set(req, sids)
    }
    return sids
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

/** Whether this stored session data carries a login marker set (or last seen) before `before`. */
function markedBefore(data: string, key: string, before: number): boolean {
  let session: unknown
  try {
    session = JSON.parse(data)
  } catch {
    return false
  }
  if (!hasMarker(session, key)) return false
  const marker = (session as Record<string, { at?: unknown; seen?: unknown }>)[key]!
  const times = [marker.at, marker.seen].filter((t): t is number => typeof t === 'number')
  return times.every((time) => time < before)
}

function likeEscaped(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`)
}

/** A missing table answers every request with a 500: say which command creates it. */
function explained(error: unknown): unknown {
  return isMissingTableError(error) ? missingTableError([], error) : error
}

/** A date column of a raw query: a Date, or a string on SQLite. */
function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value))
}

export function hasMarker(session: unknown, key: string): boolean {
  const value = (session as Record<string, unknown> | null | undefined)?.[key]
  return typeof value === 'object' && value !== null
}
