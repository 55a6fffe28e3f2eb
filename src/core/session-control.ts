import { SessionLimitError } from '../errors.js'
import { log } from '../log.js'
import { describeDevice } from './device.js'
import type { EndWriter } from './ports/end-writer.js'
import type { AuditEntry, SessionJournal } from './ports/journal.js'
import type { NewSessionRecord, SessionOwner, SessionRegistry } from './ports/registry.js'
import type { SessionStore } from './ports/store.js'
import { sessionRef } from './session-ref.js'
import { SYSTEM_ACTOR, type Actor, type EndReason } from './ending.js'
import type { EndObserver } from './end-watch.js'
import type { SessionEvents } from './events.js'
import type { LoginRule } from './policy.js'

/** Why sessions are being ended and by whom: recorded for the audit trail and the evicted user. */
export interface EndContext {
  reason: EndReason
  actor: Actor
  /** For evictions: the device of the login that caused them. */
  newDevice?: string | null
}

/** What a bulk logout did, per user, in the order the ids were given. */
export interface LogoutReport {
  /** Sessions ended in total. */
  sessions: number
  users: Array<{ userId: string; sessions: number }>
}

/**
 * Every path that ends sessions goes through here: one order of operations, one query shape.
 * 1. record why (so the ended session's next request can say so),
 * 2. delete the sessions from the store, then their records,
 * 3. write the audit trail; once that is committed, emit events.
 * The EndWriter commits them: on a server database the reason, the end and its audit line
 * become visible at once, or not at all; on SQLite every write commits on its own, in order.
 * Knows nothing of Express or AdminJS.
 */
export class SessionControl {
  constructor(
    readonly registry: SessionRegistry,
    readonly store: SessionStore,
    readonly journal: SessionJournal,
    readonly events: SessionEvents,
    private readonly endWriter: EndWriter,
    /** Told of every committed end: open event streams learn it from there. */
    private readonly observer: EndObserver | null = null,
  ) {}

  /**
   * Records a freshly saved session and applies the rule. Resolves to the sessions it evicted;
   * rejects with SessionLimitError in deny mode when the user is at the limit (the caller then
   * ends the new session). The session must already be in the store: once its record is
   * visible, another login may end it, and that end must find the store row to delete.
   */
  async admit(record: NewSessionRecord, rule: LoginRule): Promise<SessionOwner[]> {
    const device = describeDevice(record.userAgent)
    if (rule === null) {
      await this.registry.add(record)
    } else if (rule.onLimit === 'deny-new') {
      await this.forgetDeadSessions(record.userId)
      if (!(await this.registry.addWithinLimit(record, rule.limit))) {
        await this.journal.audit([
          {
            at: new Date(),
            userId: record.userId,
            event: 'denied-by-limit',
            sessions: 0,
            sessionRefs: [],
            actor: { kind: 'user', id: record.userId, label: null },
            detail: `limit ${rule.limit}; from ${device.label}`,
          },
        ])
        this.events.emit('login-denied', {
          userId: record.userId,
          at: new Date(),
          device,
          ip: record.ip,
          limit: rule.limit,
        })
        throw new SessionLimitError(record.userId, rule.limit)
      }
    } else {
      // The overflow is read after our own record is committed. The order is total and fixed, so
      // a session among the newest `limit` of all is never beyond the limit in any snapshot:
      // concurrent logins converge on exactly those, and the last one to run removes the rest.
      const evicted = await this.registry.addKeepingNewest(record, rule.limit)
      if (evicted.length > 0) {
        log('user %s: evicting %d session(s)', record.userId, evicted.length)
        await this.end(evicted, {
          reason: 'signed-in-elsewhere',
          actor: { kind: 'user', id: record.userId, label: null },
          newDevice: device.label,
        })
      }
      this.events.emit('login', {
        userId: record.userId,
        at: new Date(),
        device,
        ip: record.ip,
        evicted: evicted.length,
      })
      return evicted
    }
    this.events.emit('login', {
      userId: record.userId,
      at: new Date(),
      device,
      ip: record.ip,
      evicted: 0,
    })
    return []
  }

  /**
   * Ends these sessions for the given reason: see the class comment for the order. The writes
   * commit together where the database allows it, and the events follow the commit.
   */
  async end(sessions: readonly SessionOwner[], context: EndContext): Promise<number> {
    if (sessions.length === 0) return 0
    const endedAt = new Date()
    const endings = sessions.map((session) => ({
      sid: session.sid,
      userId: session.userId,
      reason: context.reason,
      endedAt,
      expiresAt: session.expiresAt,
      actor: context.actor,
      newDevice: context.newDevice ?? null,
    }))
    const entries = auditEntries(sessions, context, endedAt)
    const removed = await this.endWriter.write({
      endings,
      sessions: sessions.map(({ id, sid }) => ({ id, sid })),
      audit: entries,
    })
    await this.observer?.ended(sessions.map((session) => session.sid))
    for (const entry of entries) {
      this.events.emit('sessions-ended', {
        userId: entry.userId,
        at: endedAt,
        reason: context.reason,
        actor: context.actor,
        sessions: entry.sessions,
      })
    }
    return removed
  }

  /**
   * Ends sessions without a reason or an audit line: a failed login, a logout of this session
   * only, sessions the store no longer has.
   */
  async endQuietly(sids: readonly string[]): Promise<void> {
    if (sids.length === 0) return
    await this.endWriter.endQuietly(sids)
    await this.observer?.ended(sids)
  }

  /** Ends every session of these (normalized, distinct) users and says what it did. */
  async logoutUsers(
    userIds: readonly string[],
    context: EndContext = { reason: 'logged-out-by-admin', actor: SYSTEM_ACTOR },
  ): Promise<LogoutReport> {
    const owners = await this.registry.sessionsOf(userIds)
    const perUser = new Map(userIds.map((id) => [id, 0]))
    for (const { userId } of owners) perUser.set(userId, (perUser.get(userId) ?? 0) + 1)
    await this.end(owners, context)
    return {
      sessions: owners.length,
      users: userIds.map((userId) => ({ userId, sessions: perUser.get(userId) ?? 0 })),
    }
  }

  /**
   * Deny mode must not count sessions that ended without telling us (expired, deleted by hand):
   * stale records would lock the user out.
   */
  private async forgetDeadSessions(userId: string): Promise<void> {
    const recorded = (await this.registry.list(userId)).map((record) => record.sid)
    if (recorded.length === 0) return
    const alive = await this.store.alive(recorded)
    await this.endQuietly(recorded.filter((sid) => !alive.has(sid)))
  }
}

/** One audit line per user whose sessions ended. */
function auditEntries(
  sessions: readonly SessionOwner[],
  context: EndContext,
  at: Date,
): AuditEntry[] {
  const byUser = new Map<string, string[]>()
  for (const { sid, userId } of sessions) {
    const userSids = byUser.get(userId)
    if (userSids) userSids.push(sid)
    else byUser.set(userId, [sid])
  }
  return [...byUser].map(([userId, userSids]) => ({
    at,
    userId,
    event: context.reason,
    sessions: userSids.length,
    sessionRefs: userSids.map(sessionRef),
    actor: context.actor,
    detail: context.newDevice ? `new login from ${context.newDevice}` : null,
  }))
}
