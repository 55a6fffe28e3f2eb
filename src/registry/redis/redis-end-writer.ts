import type { EndWriter, SessionsEnd } from '../../core/ports/end-writer.js'
import type { SessionStore } from '../../core/ports/store.js'
import { log } from '../../log.js'
import type { RedisJournal } from './redis-journal.js'
import type { RedisRegistry } from './redis-registry.js'
import { batches } from './redis-registry.js'

/** Sessions per END script: one script keeps Redis busy for a few milliseconds at most. */
const END_BATCH = 10_000

/**
 * Ends sessions on the Redis backend: one script writes the reasons, deletes the records and
 * appends the audit lines, atomically; then the store's sessions are deleted, in one round trip
 * per batch. The registry, the authority on which sessions are live, commits first: should the
 * store's delete fail, its sessions are refused on load (no record) and pruned later.
 */
export class RedisEndWriter implements EndWriter {
  constructor(
    private readonly registry: RedisRegistry,
    private readonly journal: RedisJournal,
    private readonly store: SessionStore,
  ) {}

  async write({ endings, sessions, audit }: SessionsEnd): Promise<number> {
    const ids = sessions.map((session) => session.id)
    let removed = 0
    const sids = new Set(sessions.map((session) => session.sid))
    // The reasons and audit lines go with the first batch: one script for up to END_BATCH
    // sessions, so a bulk logout costs the same number of round trips for 10 users or 1,000.
    const idBatches = batches(ids, END_BATCH)
    for (const [i, batch] of (idBatches.length > 0 ? idBatches : [[]]).entries()) {
      const first = i === 0
      const result = await this.journal.end(first ? endings : [], batch, first ? audit : [])
      removed += result.removed
      for (const sid of result.sids) sids.add(sid)
    }
    await this.destroyAfterwards([...sids])
    return removed
  }

  async endQuietly(sids: readonly string[]): Promise<number> {
    if (sids.length === 0) return 0
    const removed = await this.registry.remove(sids)
    await this.destroyAfterwards(sids)
    return removed
  }

  private async destroyAfterwards(sids: readonly string[]): Promise<void> {
    if (sids.length === 0) return
    try {
      await this.store.destroyMany(sids)
    } catch (error) {
      log(
        'ended %d session(s); deleting them from the store failed, pruning will: %O',
        sids.length,
        error,
      )
    }
  }
}
