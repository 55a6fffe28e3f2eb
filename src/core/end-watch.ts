import { log } from '../log.js'
import type { SessionEndReason } from './ending.js'
import type { EndNotices } from './ports/end-notices.js'
import type { SessionEnding, SessionJournal } from './ports/journal.js'
import type { SessionRegistry } from './ports/registry.js'
import { sessionRef } from './session-ref.js'

/** One open stream as the watch sees it: told once, then forgotten. */
export interface EndWatcher {
  /** The session ended: `reason` as `endedSession()` reports it, null for a plain logout. */
  ended(reason: SessionEndReason | null): void
  /**
   * The session is gone but why is unknown (its id may only have changed, on a regenerate):
   * close without an event; the browser reconnects, and its cookie decides.
   */
  gone(): void
}

export interface EndWatchLimits {
  maxStreamsPerUser: number
  maxStreamsPerProcess: number
  /** How often every watched session is checked against the registry, in ms. */
  pollInterval: number
}

export interface EndWatchDependencies {
  registry: SessionRegistry
  journal: SessionJournal
  /** Cross-process notices, where the backend has them. */
  notices: EndNotices | null
  /** The existing time-out path: ends the session if its time-out has passed. */
  endIfTimedOut(sid: string): Promise<boolean>
  limits: EndWatchLimits
}

export type WatchResult =
  | { ok: true; close: () => void }
  | { ok: false; limit: 'maxStreamsPerUser' | 'maxStreamsPerProcess' }

/** What the library ends reports to: the watch delivers those ends to open streams. */
export interface EndObserver {
  /** These sessions' ends have committed (with a reason or quietly). */
  ended(sids: readonly string[]): Promise<void>
}

/** The longest delay setTimeout keeps (about 24.8 days); a later deadline is re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** The least wait before looking again at a deadline that had not passed after all. */
const RECHECK_MS = 1000

/** How long a session missing without a reason waits for its end to be reported. */
const UNCERTAIN_GRACE_MS = 500

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

/** The open streams of one session (every tab of one browser shares it). */
interface Watched {
  sid: string
  ref: string
  userId: string
  watchers: Set<EndWatcher>
  timer: NodeJS.Timeout | null
  /** Set while the session's end is being looked up: it is told once. */
  settling: boolean
  /** Whether an end (not just a missing record) was reported while it was looked up. */
  certain: boolean
}

/**
 * Tells open streams that their session ended, however it ended:
 * - ends on this process arrive through `ended()` (SessionControl, the store guard), at once;
 * - ends on other processes and the command line arrive as notices (PostgreSQL NOTIFY, Redis
 *   pub/sub), confirmed against the registry;
 * - a poll checks every watched session with one `registry.recorded()` call per interval, while
 *   streams are open: the only carrier on MariaDB and SQLite, a safety net elsewhere;
 * - time-outs end a session only when noticed: a timer per session at its deadline runs the
 *   time-out path, and re-arms when a request moved the deadline.
 * Memory is bounded by the caps; a closed stream is forgotten at once. Knows no HTTP.
 */
export class EndWatch implements EndObserver {
  private readonly bySid = new Map<string, Watched>()
  private readonly byRef = new Map<string, Watched>()
  private readonly perUser = new Map<string, number>()
  private streams = 0
  private poller: NodeJS.Timeout | null = null
  private polling = false
  private subscription: Promise<(() => Promise<void>) | null> | null = null
  /** The last stop of the listener and poll, for `close()` to wait on. */
  private stopping: Promise<void> = Promise.resolve()

  /** Sessions whose reason is wanted, looked up together on the next turn of the event loop. */
  private wanted = new Map<string, Array<(ending: SessionEnding | null) => void>>()

  constructor(private readonly deps: EndWatchDependencies) {}

  /** How many streams and sessions are watched now. */
  get size(): { streams: number; sessions: number } {
    return { streams: this.streams, sessions: this.bySid.size }
  }

  /**
   * Watches a signed-in session for one stream. Refused over a cap; otherwise `close()` forgets
   * the stream (call it when the connection closes). A session already ended is told at once.
   */
  watch(sid: string, userId: string, watcher: EndWatcher): WatchResult {
    const { maxStreamsPerUser, maxStreamsPerProcess } = this.deps.limits
    if (this.streams >= maxStreamsPerProcess) return { ok: false, limit: 'maxStreamsPerProcess' }
    const ofUser = this.perUser.get(userId) ?? 0
    if (ofUser >= maxStreamsPerUser) return { ok: false, limit: 'maxStreamsPerUser' }

    let watched = this.bySid.get(sid)
    const first = !watched
    if (!watched) {
      watched = {
        sid,
        ref: sessionRef(sid),
        userId,
        watchers: new Set(),
        timer: null,
        settling: false,
        certain: false,
      }
      this.bySid.set(sid, watched)
      this.byRef.set(watched.ref, watched)
    }
    watched.watchers.add(watcher)
    this.perUser.set(userId, ofUser + 1)
    this.streams += 1
    if (this.streams === 1) this.start()
    // Watching first, then reading the record: an end in between is seen either way.
    if (first) void this.check(watched)

    let open = true
    return {
      ok: true,
      close: () => {
        if (!open) return
        open = false
        this.forget(watched, watcher)
      },
    }
  }

  async ended(sids: readonly string[]): Promise<void> {
    for (const sid of sids) {
      const watched = this.bySid.get(sid)
      if (watched) void this.settle(watched, true)
    }
    if (!this.deps.notices || sids.length === 0) return
    const refs = sids.map(sessionRef)
    try {
      await this.deps.notices.publish(refs)
    } catch (error) {
      // The other processes' poll still finds these ends.
      log(
        'could not publish %d end notice(s) over %s: %O',
        refs.length,
        this.deps.notices.kind,
        error,
      )
    }
  }

  /** The app regenerated a session: its streams close, and reconnect with the new cookie. */
  renamed(oldSid: string): void {
    const watched = this.bySid.get(oldSid)
    if (!watched) return
    for (const watcher of this.detach(watched)) watcher.gone()
  }

  /** Stops everything: every open stream is closed without an event. */
  async close(): Promise<void> {
    for (const watched of [...this.bySid.values()]) {
      for (const watcher of this.detach(watched)) watcher.gone()
    }
    this.streams = 0
    this.perUser.clear()
    await this.stopping
    await this.stop()
  }

  private start(): void {
    this.poller = setInterval(() => void this.poll(), this.deps.limits.pollInterval)
    this.poller.unref()
    const notices = this.deps.notices
    if (!notices) return
    this.subscription = notices
      .subscribe({
        notice: (refs) => void this.notice(refs),
        gap: () => void this.poll(),
      })
      .catch((error: unknown) => {
        log('could not listen for end notices over %s; polling only: %O', notices.kind, error)
        return null
      })
  }

  private async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller)
    this.poller = null
    const subscription = this.subscription
    this.subscription = null
    const unsubscribe = await subscription
    await unsubscribe?.().catch((error: unknown) => log('could not stop listening: %O', error))
  }

  private forget(watched: Watched, watcher: EndWatcher): void {
    if (!watched.watchers.delete(watcher)) return
    this.release(watched.userId, 1)
    if (watched.watchers.size === 0) this.drop(watched)
  }

  /** Takes every stream of a session out of the watch, to tell them. */
  private detach(watched: Watched): EndWatcher[] {
    const watchers = [...watched.watchers]
    watched.watchers.clear()
    this.release(watched.userId, watchers.length)
    this.drop(watched)
    return watchers
  }

  private release(userId: string, count: number): void {
    if (count === 0) return
    const left = (this.perUser.get(userId) ?? 0) - count
    if (left > 0) this.perUser.set(userId, left)
    else this.perUser.delete(userId)
    this.streams -= count
    if (this.streams === 0) this.stopping = this.stop()
  }

  private drop(watched: Watched): void {
    if (watched.timer) clearTimeout(watched.timer)
    watched.timer = null
    if (this.bySid.get(watched.sid) === watched) this.bySid.delete(watched.sid)
    if (this.byRef.get(watched.ref) === watched) this.byRef.delete(watched.ref)
  }

  /** Reads the session's record: gone means ended; otherwise arms its time-out timer. */
  private async check(watched: Watched, minDelay = 0): Promise<void> {
    try {
      const record = await this.deps.registry.find(watched.sid)
      if (this.bySid.get(watched.sid) !== watched) return
      if (!record) return await this.settle(watched, false)
      this.arm(watched, record.timesOutAt, minDelay)
    } catch (error) {
      log('could not check a watched session: %O', error)
    }
  }

  private arm(watched: Watched, timesOutAt: Date | null, minDelay: number): void {
    if (watched.timer) clearTimeout(watched.timer)
    watched.timer = null
    if (!timesOutAt) return
    const delay = Math.max(minDelay, timesOutAt.getTime() - Date.now())
    watched.timer = setTimeout(() => void this.timeUp(watched), Math.min(delay, MAX_TIMER_MS))
    watched.timer.unref()
  }

  /** The deadline passed: end it the way a request would notice it, then look again. */
  private async timeUp(watched: Watched): Promise<void> {
    watched.timer = null
    if (this.bySid.get(watched.sid) !== watched) return
    try {
      await this.deps.endIfTimedOut(watched.sid)
    } catch (error) {
      log('could not end a timed-out session: %O', error)
    }
    // Ended: the end (here or elsewhere) tells the streams, and the check finds no record.
    // Not ended: a request moved the deadline, and the check re-arms the timer (not sooner than
    // a second: a deadline stored coarser than the clock must not spin).
    await this.check(watched, RECHECK_MS)
  }

  /**
   * Tells a session's streams why it ended. `certain`: the session is known to have ended (an
   * end here or a notice) rather than merely to be missing from the registry.
   */
  private async settle(watched: Watched, certain: boolean): Promise<void> {
    if (certain) watched.certain = true
    if (watched.settling) return
    watched.settling = true
    const reason = (await this.endingOf(watched.sid))?.reason ?? null
    // Missing without a reason: a plain logout, or a regenerate. The poll may have seen the
    // record gone just before the end that removed it reports here or in a notice: wait for it.
    if (reason === null && !watched.certain) await delay(UNCERTAIN_GRACE_MS)
    if (this.bySid.get(watched.sid) !== watched) return
    const watchers = this.detach(watched)
    for (const watcher of watchers) {
      if (reason !== null || watched.certain) watcher.ended(reason)
      else watcher.gone()
    }
  }

  /**
   * Why a session ended, or null. The sessions asked for in one turn of the event loop (every
   * session of a bulk logout) are looked up in one journal call where the journal has
   * findEndings(); a failed lookup counts as no reason.
   */
  private endingOf(sid: string): Promise<SessionEnding | null> {
    return new Promise((resolve) => {
      const waiting = this.wanted.get(sid)
      if (waiting) return waiting.push(resolve)
      if (this.wanted.size === 0) setImmediate(() => void this.lookUpEndings())
      this.wanted.set(sid, [resolve])
    })
  }

  private async lookUpEndings(): Promise<void> {
    const wanted = this.wanted
    this.wanted = new Map()
    const { journal } = this.deps
    let found: Map<string, SessionEnding>
    try {
      if (journal.findEndings) {
        found = await journal.findEndings([...wanted.keys()])
      } else {
        found = new Map()
        for (const sid of wanted.keys()) {
          const ending = await journal.findEnding(sid)
          if (ending) found.set(sid, ending)
        }
      }
    } catch (error) {
      log('could not read why %d watched session(s) ended: %O', wanted.size, error)
      found = new Map()
    }
    for (const [sid, resolvers] of wanted) {
      for (const resolve of resolvers) resolve(found.get(sid) ?? null)
    }
  }

  /** Another process says these sessions ended: confirm against the registry, then tell. */
  private async notice(refs: readonly string[]): Promise<void> {
    const candidates = refs.flatMap((ref) => {
      const watched = this.byRef.get(ref)
      return watched ? [watched] : []
    })
    if (candidates.length === 0) return
    try {
      const alive = await this.deps.registry.recorded(candidates.map((w) => w.sid))
      for (const watched of candidates) {
        if (!alive.has(watched.sid)) void this.settle(watched, true)
      }
    } catch (error) {
      log('could not confirm %d end notice(s): %O', candidates.length, error)
    }
  }

  /** Every watched session, one registry call: those no longer recorded have ended. */
  private async poll(): Promise<void> {
    if (this.polling || this.bySid.size === 0) return
    this.polling = true
    try {
      const watched = [...this.bySid.values()]
      const alive = await this.deps.registry.recorded(watched.map((w) => w.sid))
      for (const entry of watched) {
        if (!alive.has(entry.sid) && this.bySid.get(entry.sid) === entry) {
          void this.settle(entry, false)
        }
      }
    } catch (error) {
      log('could not poll the watched sessions: %O', error)
    } finally {
      this.polling = false
    }
  }
}
