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
  asArray,
  asNumber,
  asString,
  type RedisArg,
  type RedisCommands,
} from '../../redis/client.js'
import { decodeAudit, decodeEnding, encodeAudit, encodeEnding } from './codec.js'
import type { RedisKeys } from './keys.js'
import { inRange, sortedPage } from './listing.js'
import { batches } from './redis-registry.js'
import { END } from './scripts.js'

/** Audit lines read per XRANGE when a listing has to look at all of them. */
const AUDIT_READ = 1000
/** Keys per MGET of findEndings(). */
const MGET_BATCH = 1000

/**
 * Reasons and the audit trail in Redis. A reason expires when its session would have (nothing
 * to prune); the audit trail is a stream capped at `auditMaxLength` lines, oldest dropped first.
 */
export class RedisJournal implements SessionJournal {
  constructor(
    private readonly redis: RedisCommands,
    private readonly keys: RedisKeys,
    readonly auditMaxLength: number,
  ) {}

  /** The END script's arguments for these reasons, records and audit lines. */
  endArgs(
    endings: ReadonlyArray<SessionEnding & { sid: string }>,
    ids: readonly number[],
    audit: readonly AuditEntry[],
  ): RedisArg[] {
    return [
      this.keys.tag,
      this.auditMaxLength,
      endings.length,
      ...endings.flatMap((ending) => [
        endingRef(ending.sid),
        encodeEnding(ending),
        ending.expiresAt.getTime(),
      ]),
      ids.length,
      ...ids,
      audit.length,
      ...audit.map(encodeAudit),
    ]
  }

  /** Runs the END script: resolves to how many records it deleted and the sids they had. */
  async end(
    endings: ReadonlyArray<SessionEnding & { sid: string }>,
    ids: readonly number[],
    audit: readonly AuditEntry[],
  ): Promise<{ removed: number; sids: string[] }> {
    const reply = asArray(
      await END.run(this.redis, [this.keys.seq], this.endArgs(endings, ids, audit)),
    )
    return {
      removed: asNumber(reply[0]),
      sids: reply.slice(1).map((sid) => asString(sid) ?? ''),
    }
  }

  async recordEndings(endings: ReadonlyArray<SessionEnding & { sid: string }>): Promise<void> {
    for (const batch of batches(endings)) await this.end(batch, [], [])
  }

  async findEnding(sid: string): Promise<SessionEnding | null> {
    const key = this.keys.ending(endingRef(sid))
    const text = asString(await this.redis.send(['GET', key], key))
    if (!text) return null
    const ending = decodeEnding(text)
    return ending.expiresAt.getTime() > Date.now() ? ending : null
  }

  async findEndings(sids: readonly string[]): Promise<Map<string, SessionEnding>> {
    const found = new Map<string, SessionEnding>()
    const unique = [...new Set(sids)]
    // Every key shares the prefix's hash tag: one MGET per batch, on a cluster too.
    for (let start = 0; start < unique.length; start += MGET_BATCH) {
      const batch = unique.slice(start, start + MGET_BATCH)
      const keys = batch.map((sid) => this.keys.ending(endingRef(sid)))
      const values = asArray(await this.redis.send(['MGET', ...keys], keys[0]))
      const now = Date.now()
      batch.forEach((sid, index) => {
        const text = asString(values[index])
        if (!text) return
        const ending = decodeEnding(text)
        if (ending.expiresAt.getTime() > now) found.set(sid, ending)
      })
    }
    return found
  }

  async audit(entries: readonly AuditEntry[]): Promise<void> {
    for (const batch of batches(entries)) await this.end([], [], batch)
  }

  /** Reasons expire on their own in Redis. */
  pruneEndings(): Promise<number> {
    return Promise.resolve(0)
  }

  async auditPage(query: PageQuery<AuditFilter, AuditSortKey>): Promise<AuditRecord[]> {
    const { filter, sort, offset, limit } = query
    if (isEmpty(filter) && sort.by === 'id') {
      // Newest or oldest first: read just as far as the page goes.
      const reply = await this.redis.send(
        sort.direction === 'desc'
          ? ['XREVRANGE', this.keys.audit, '+', '-', 'COUNT', offset + limit]
          : ['XRANGE', this.keys.audit, '-', '+', 'COUNT', offset + limit],
        this.keys.audit,
      )
      return decodeAll(reply).slice(offset, offset + limit)
    }
    const matching = (await this.candidates(filter)).filter((entry) => matches(entry, filter))
    return sortedPage(matching, sort, (entry) => auditValue(entry, sort.by), offset, limit)
  }

  async countAudit(filter: AuditFilter): Promise<number> {
    if (isEmpty(filter)) {
      return asNumber(await this.redis.send(['XLEN', this.keys.audit], this.keys.audit))
    }
    return (await this.candidates(filter)).filter((entry) => matches(entry, filter)).length
  }

  async auditByIds(ids: readonly number[]): Promise<AuditRecord[]> {
    const valid = [...new Set(ids.filter((id) => Number.isSafeInteger(id) && id > 0))]
    const replies = await Promise.all(
      valid.map((id) =>
        this.redis.send(['XRANGE', this.keys.audit, `${id}-0`, `${id}-0`], this.keys.audit),
      ),
    )
    return replies.flatMap(decodeAll).sort((a, b) => a.id - b.id)
  }

  /** The lines a filter can match: one, or all of them (the trail is capped). */
  private async candidates(filter: AuditFilter): Promise<AuditRecord[]> {
    if (filter.id !== undefined) return this.auditByIds([filter.id])
    const all: AuditRecord[] = []
    let start = '-'
    for (;;) {
      const page = decodeAll(
        await this.redis.send(
          ['XRANGE', this.keys.audit, start, '+', 'COUNT', AUDIT_READ],
          this.keys.audit,
        ),
      )
      all.push(...page)
      if (page.length < AUDIT_READ) return all
      start = `(${page.at(-1)!.id}-0`
    }
  }

  location(): StorageLocation {
    return { name: `Redis ${this.keys.tag}`, type: 'redis' }
  }
}

function decodeAll(reply: unknown): AuditRecord[] {
  return asArray(reply)
    .map(decodeAudit)
    .filter((entry): entry is AuditRecord => entry !== null)
}

function isEmpty(filter: object): boolean {
  return Object.values(filter).every((value) => value === undefined)
}

function matches(entry: AuditRecord, filter: AuditFilter): boolean {
  return (
    (filter.id === undefined || entry.id === filter.id) &&
    (filter.userId === undefined || entry.userId === filter.userId) &&
    (filter.event === undefined || entry.event === filter.event) &&
    (filter.actorKind === undefined || entry.actor.kind === filter.actorKind) &&
    (filter.actorId === undefined || entry.actor.id === filter.actorId) &&
    inRange(entry.at, filter.at)
  )
}

function auditValue(entry: AuditRecord, key: AuditSortKey): unknown {
  switch (key) {
    case 'actorKind':
      return entry.actor.kind
    case 'actorId':
      return entry.actor.id
    case 'actorLabel':
      return entry.actor.label
    default:
      return entry[key]
  }
}
