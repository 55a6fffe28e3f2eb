import { SessionLimitError } from '../errors.js'
import { log } from '../log.js'
import type { NewSessionRecord, SessionRegistry } from '../registry/registry.js'
import type { StoreAdapter } from '../store/store-adapter.js'
import { SYSTEM_ACTOR, type Actor, type EndReason } from './ending.js'
import type { LoginRule } from './policy.js'

/** Why sessions are being ended and by whom: recorded for the audit trail and the evicted user. */
export interface EndContext {
  reason: EndReason
  actor: Actor
}

/** What a bulk logout did, per user, in the order the ids were given. */
export interface LogoutReport {
  /** Sessions ended in total. */
  sessions: number
  users: Array<{ userId: string; sessions: number }>
}

/**
 * Every path that ends sessions goes through here: one order of operations (store first, then
 * the record), one query shape. Knows nothing of Express or AdminJS.
 */
export class SessionControl {
  constructor(
    readonly registry: SessionRegistry,
    readonly storeAdapter: StoreAdapter,
  ) {}

  /**
   * Records a freshly saved session and applies the rule. Resolves to the sids it evicted;
   * rejects with SessionLimitError in deny mode when the user is at the limit (the caller then
   * ends the new session).
   */
  async admit(record: NewSessionRecord, rule: LoginRule): Promise<string[]> {
    if (rule === null) {
      await this.registry.add(record)
      return []
    }
    if (rule.onLimit === 'deny-new') {
      await this.forgetDeadSessions(record.userId)
      if (!(await this.registry.addWithinLimit(record, rule.limit))) {
        throw new SessionLimitError(record.userId, rule.limit)
      }
      return []
    }
    await this.registry.add(record)
    // Runs after our own record is committed. The order is total and fixed, so a session among
    // the newest `limit` of all is never beyond the limit in any snapshot: concurrent logins
    // converge on exactly those, and the last one to run removes the rest.
    const evicted = await this.registry.overflow(record.userId, rule.limit)
    if (evicted.length > 0) {
      log('user %s: evicting %d session(s)', record.userId, evicted.length)
      await this.endSessions(evicted)
    }
    return evicted
  }

  /** Ends sessions: deletes them from the store, then forgets their records. */
  async endSessions(sids: readonly string[]): Promise<number> {
    if (sids.length === 0) return 0
    await this.storeAdapter.destroyMany(sids)
    return this.registry.remove(sids)
  }

  /** Ends every session of these (normalized, distinct) users and says what it did. */
  async logoutUsers(
    userIds: readonly string[],
    _context: EndContext = { reason: 'logged-out-by-admin', actor: SYSTEM_ACTOR },
  ): Promise<LogoutReport> {
    const owners = await this.registry.sessionsOf(userIds)
    const perUser = new Map(userIds.map((id) => [id, 0]))
    for (const { userId } of owners) perUser.set(userId, (perUser.get(userId) ?? 0) + 1)
    await this.endSessions(owners.map((owner) => owner.sid))
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
    const alive = await this.storeAdapter.alive(recorded)
    const dead = recorded.filter((sid) => !alive.has(sid))
    if (dead.length > 0) await this.endSessions(dead)
  }
}
