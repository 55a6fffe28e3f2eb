import type { SessionData, Store } from 'express-session'
import { missingTableError } from '../core/table-check.js'
import type { SessionStore } from '../core/ports/store.js'
import { ErrorCodes, SingleSessionError } from '../errors.js'
import { log } from '../log.js'
import { isMissingTableError } from '../registry/sequelize/missing-table.js'
import { hasJoinedRead, type StoreDriver } from './driver.js'
import { migrateCommandOf } from './drivers/detect.js'
import { hasMarker } from './marker-data.js'

type Callback<T = unknown> = (err?: unknown, result?: T) => void

/** What the guard asks of the rest of the library while express-session drives the store. */
export interface StoreGuardHooks {
  /** The key under which a logged-in session carries the library's marker. */
  sessionKey: string
  /**
   * Ask `lookup()` alongside every read instead of after reading a logged-in session: where the
   * store and the registry answer in one pipelined round trip, waiting costs more than asking.
   */
  lookupAlongside?: boolean
  /**
   * The registry's answer for a logged-in session being loaded: null when it holds no record
   * (the session ended), otherwise when it times out.
   */
  lookup(sid: string): Promise<{ timesOutAt: Date | null } | null>
  /** The session was destroyed through the store (logout, `req.session.destroy()`). */
  destroyed(sid: string): Promise<void>
  /** The app regenerated a logged-in session outside `login()`: keep it tracked. */
  rename(oldSid: string, newSid: string, expiresAt: Date): Promise<void>
  /** The store's own cleanup timer ran: delete what outlived the sessions it removed. */
  cleaned(): Promise<void>
  /**
   * A logged-in session being loaded is past its recorded time-out: end it. Resolves to whether
   * it is gone (then the load finds no session).
   */
  timedOut(sid: string): Promise<boolean>
}

const GUARDED = Symbol.for('adminjs-single-session.guarded')

/**
 * The one guard for every express-session store, built on its driver:
 * - a session this request loaded or created is only ever saved with an update-if-exists: if
 *   it was ended meanwhile, the late save is dropped instead of re-creating it (stores upsert);
 * - loading refuses expired sessions, logged-in sessions the registry does not hold, and those
 *   past their time-out (which it ends through the hooks);
 * - a regenerate deletes the old session and moves its record to the new id.
 */
export class GuardedStore implements SessionStore {
  /** Per request: the sids known to exist in the store (loaded, or inserted by this request). */
  private readonly known = new WeakMap<object, Set<string>>()
  /** Per request: the cookie's sid when express-session found no session for it. */
  private readonly replaced = new WeakMap<object, string>()
  /** The store's own set and destroy, from before the guard replaced them. */
  private writeUnguarded: (sid: string, session: SessionData) => Promise<void> = notInstalled
  private destroyOne: (sid: string) => Promise<void> = notInstalled

  constructor(readonly driver: StoreDriver) {}

  get store(): Store {
    return this.driver.store
  }

  install(hooks: StoreGuardHooks): void {
    const store = this.driver.store as Store & {
      [GUARDED]?: boolean
      generate?: (req: { sessionID?: string }) => void
    }
    if (store[GUARDED]) {
      throw new SingleSessionError(
        ErrorCodes.INVALID_OPTION,
        'adminjs-single-session: this session store is already guarded by another instance; create one instance per store',
      )
    }
    store[GUARDED] = true

    const originalCreateSession = store.createSession.bind(store)
    const originalSet = promised(store.set.bind(store))
    const originalDestroy = promised(store.destroy.bind(store))
    this.writeUnguarded = originalSet
    this.destroyOne = originalDestroy

    store.get = (sid: string, callback: Callback<SessionData | null>) => {
      this.load(sid, hooks).then(
        (data) => callback(null, data),
        (error: unknown) => callback(explained(error, this.driver)),
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
        (error: unknown) => callback?.(explained(error, this.driver)),
      )
    }

    store.destroy = (sid: string, callback?: Callback) => {
      originalDestroy(sid)
        .then(() => hooks.destroyed(sid))
        .then(
          () => callback?.(),
          (error: unknown) => callback?.(error),
        )
    }

    store.regenerate = (req, callback: (err?: unknown) => void) => {
      const oldSid = req.sessionID
      const wasLoggedIn = hasMarker(req.session, hooks.sessionKey)
      this.destroyReplaced(req, oldSid).then(() => {
        store.generate!(req)
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

    this.driver.afterCleanup?.(() =>
      hooks.cleaned().catch((error: unknown) => log('cleanup failed: %O', error)),
    )
  }

  /**
   * express-session assigns `store.generate` when `session()` is created, before or after us,
   * and calls it when the cookie's session is missing. Wrapping it (now, or when it is assigned)
   * is how we learn which sid the cookie named.
   */
  private watchGenerate(store: { generate?: (req: { sessionID?: string }) => void }): void {
    const replaced = this.replaced
    let generate: ((req: { sessionID?: string }) => void) | undefined
    const wrap =
      (original: (req: { sessionID?: string }) => void) => (req: { sessionID?: string }) => {
        const previous = req.sessionID
        original(req)
        if (typeof previous === 'string') replaced.set(req, previous)
      }
    if (store.generate) generate = wrap(store.generate)
    Object.defineProperty(store, 'generate', {
      configurable: true,
      get: () => generate,
      set: (value: (req: { sessionID?: string }) => void) => {
        generate = wrap(value)
      },
    })
  }

  /**
   * Deletes the session a regenerate replaces. A sid this request neither loaded nor saved was
   * generated for it and never stored.
   */
  private async destroyReplaced(req: object, sid: string): Promise<void> {
    if (!this.knownSids(req).has(sid)) return
    await this.destroyOne(sid)
    this.knownSids(req).delete(sid)
  }

  /** The session id this request's cookie named when the store had no live session for it. */
  replacedSid(req: object): string | null {
    return this.replaced.get(req) ?? null
  }

  private async load(sid: string, hooks: StoreGuardHooks): Promise<SessionData | null> {
    let data: SessionData
    let timesOutAt: Date | null
    if (hasJoinedRead(this.driver) && (await this.driver.joinsRegistry())) {
      const row = await this.driver.readWithRecord(sid)
      if (!row) return null
      if (hasMarker(row.data, hooks.sessionKey) && !row.recorded) {
        log('refusing ended session %s', sid)
        return null
      }
      data = row.data
      timesOutAt = row.timesOutAt
    } else {
      const lookup = hooks.lookupAlongside ? hooks.lookup(sid) : null
      // Settled here too, so that its failure is never unhandled when the read comes back empty.
      lookup?.catch(() => {})
      const stored = await this.driver.read(sid)
      if (!stored) return null
      data = stored
      timesOutAt = null
      if (hasMarker(data, hooks.sessionKey)) {
        const record = await (lookup ?? hooks.lookup(sid))
        if (!record) {
          log('refusing ended session %s', sid)
          return null
        }
        timesOutAt = record.timesOutAt
      }
    }
    if (timesOutAt !== null && timesOutAt.getTime() <= Date.now()) {
      if (await hooks.timedOut(sid)) {
        log('refusing timed-out session %s', sid)
        return null
      }
    }
    return data
  }

  private async save(sid: string, session: SessionData): Promise<void> {
    const req = (session as { req?: object }).req
    if (!req) {
      // Not written by express-session's request cycle (a script): the store's own behaviour.
      await this.writeUnguarded(sid, session)
      return
    }
    const known = this.knownSids(req)
    if (!known.has(sid)) {
      await this.driver.insert(sid, session)
      known.add(sid)
      return
    }
    if (!(await this.driver.update(sid, session))) {
      log('session %s ended while its request was in flight: not writing it back', sid)
    }
  }

  expiryOf(session: object): Date {
    return this.driver.expiryOf(session as SessionData)
  }

  destroyMany(sids: readonly string[]): Promise<number> {
    return this.driver.destroyMany(sids)
  }

  alive(sids: readonly string[]): Promise<Set<string>> {
    return this.driver.alive(sids)
  }

  private knownSids(req: object): Set<string> {
    let sids = this.known.get(req)
    if (!sids) {
      sids = new Set()
      this.known.set(req, sids)
    }
    return sids
  }
}

function notInstalled(): Promise<void> {
  return Promise.reject(new Error('the store guard is not installed'))
}

/** A callback-style store method as a promise. */
function promised<A extends unknown[]>(
  method: (...args: [...A, (err?: unknown) => void]) => void,
): (...args: A) => Promise<void> {
  return (...args) =>
    new Promise<void>((resolve, reject) =>
      method(...args, (err?: unknown) =>
        err
          ? reject(err instanceof Error ? err : new Error('session store failed', { cause: err }))
          : resolve(),
      ),
    )
}

/** A missing table answers every request with a 500: say which command creates it. */
function explained(error: unknown, driver: StoreDriver): unknown {
  return isMissingTableError(error) ? missingTableError([], migrateCommandOf(driver), error) : error
}
