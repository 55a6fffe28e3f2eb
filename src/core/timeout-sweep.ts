import { log } from '../log.js'
import { SYSTEM_ACTOR } from './ending.js'
import type { SessionRecord, SessionRegistry } from './ports/registry.js'
import type { SessionControl } from './session-control.js'
import { timeoutReason, timeoutsOf, type TimeoutReason } from './timeouts.js'

/** Records read per run of `endAll()`. */
const SWEEP_BATCH = 5000

/**
 * Ends sessions whose idle or absolute timeout has passed, with that reason: one at load time
 * (the store guard found it), all of them when pruning. A timed-out session is claimed first,
 * so that of several processes finding it at once only one ends it (and audits it).
 */
export class TimeoutSweep {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly control: SessionControl,
  ) {}

  /**
   * The store guard found this session's time-out passed as it loaded it: end it with its
   * reason. Resolves to whether it is gone (false: a request moved its deadline meanwhile).
   */
  async endIfTimedOut(sid: string): Promise<boolean> {
    const record = await this.registry.find(sid)
    if (!record) return true
    const reason = reasonOf(record, Date.now())
    if (!reason) return false
    if (await this.registry.claimTimedOut(record)) await this.endClaimed([record], reason)
    return true
  }

  /** Ends every session whose time-out has passed: what prune() and the store's cleanup do. */
  async endAll(): Promise<number> {
    let ended = 0
    for (;;) {
      const now = Date.now()
      const due = await this.registry.timedOut(new Date(now), SWEEP_BATCH)
      const byReason = new Map<TimeoutReason, SessionRecord[]>()
      for (const record of due) {
        const reason = reasonOf(record, now)
        if (!reason || !(await this.registry.claimTimedOut(record))) continue
        const records = byReason.get(reason)
        if (records) records.push(record)
        else byReason.set(reason, [record])
      }
      // One end per reason: one audit line per user and reason for the whole run.
      for (const [reason, records] of byReason) {
        ended += await this.endClaimed(records, reason)
      }
      if (due.length < SWEEP_BATCH || byReason.size === 0) return ended
    }
  }

  private async endClaimed(records: SessionRecord[], reason: TimeoutReason): Promise<number> {
    try {
      return await this.control.end(records, { reason, actor: SYSTEM_ACTOR })
    } catch (error) {
      for (const record of records) {
        await this.registry
          .releaseClaim(record)
          .catch((failure: unknown) => log('could not release %s: %O', record.sid, failure))
      }
      throw error
    }
  }
}

function reasonOf(record: SessionRecord, now: number): TimeoutReason | null {
  return timeoutReason(
    timeoutsOf(record),
    record.createdAt.getTime(),
    record.lastSeenAt.getTime(),
    now,
  )
}
