import type { Actor } from '../../core/ending.js'
import type { AuditEntry, AuditRecord, SessionEnding } from '../../core/ports/journal.js'
import type { NewSessionRecord, SessionOwner, SessionRecord } from '../../core/ports/registry.js'
import { asArray, asString, type RedisArg } from '../../redis/client.js'

/**
 * How records, reasons and audit lines are written in Redis. Times are epoch milliseconds;
 * a missing value is ''. A record as the scripts return it: its id, then the hash's fields in
 * this order (the scripts' FIELDS): sid, uid, created, seen, expires, ip, ua, idle, abs, tout.
 */
export function recordArgs(record: NewSessionRecord): RedisArg[] {
  return [
    record.sid,
    record.userId,
    record.createdAt.getTime(),
    record.expiresAt.getTime(),
    record.ip ?? '',
    record.userAgent ?? '',
    record.idleTimeout ?? '',
    record.absoluteTimeout ?? '',
    time(record.timesOutAt),
  ]
}

export function time(date: Date | null): RedisArg {
  return date ? date.getTime() : ''
}

/** A record from a script's reply. */
export function toRecord(reply: unknown): SessionRecord {
  const [id, sid, uid, created, seen, expires, ip, ua, idle, abs, tout] = asArray(reply).map(
    (value) => asString(value) ?? '',
  )
  return {
    id: Number(id),
    sid: sid!,
    userId: uid!,
    createdAt: new Date(Number(created)),
    lastSeenAt: new Date(Number(seen)),
    expiresAt: new Date(Number(expires)),
    ip: ip || null,
    userAgent: ua || null,
    idleTimeout: idle ? Number(idle) : null,
    absoluteTimeout: abs ? Number(abs) : null,
    timesOutAt: tout ? new Date(Number(tout)) : null,
  }
}

export function toRecords(reply: unknown): SessionRecord[] {
  return asArray(reply).map(toRecord)
}

export function toOwner(record: SessionRecord): SessionOwner {
  return { id: record.id, sid: record.sid, userId: record.userId, expiresAt: record.expiresAt }
}

/** Owners from a flat reply: id, sid, uid, expires for each. */
export function toOwners(values: readonly unknown[]): SessionOwner[] {
  const owners: SessionOwner[] = []
  for (let i = 0; i + 3 < values.length; i += 4) {
    owners.push({
      id: Number(values[i]),
      sid: asString(values[i + 1]) ?? '',
      userId: asString(values[i + 2]) ?? '',
      expiresAt: new Date(Number(values[i + 3])),
    })
  }
  return owners
}

/** A reason as stored under `{p}:end:<ref>`. */
export function encodeEnding(ending: SessionEnding): string {
  return JSON.stringify({
    reason: ending.reason,
    userId: ending.userId,
    endedAt: ending.endedAt.getTime(),
    expiresAt: ending.expiresAt.getTime(),
    actor: ending.actor,
    newDevice: ending.newDevice,
  })
}

export function decodeEnding(text: string): SessionEnding {
  const raw = JSON.parse(text) as Omit<SessionEnding, 'endedAt' | 'expiresAt'> & {
    endedAt: number
    expiresAt: number
  }
  return { ...raw, endedAt: new Date(raw.endedAt), expiresAt: new Date(raw.expiresAt) }
}

/** An audit line as stored in the stream's `e` field. */
export function encodeAudit(entry: AuditEntry): string {
  return JSON.stringify({ ...entry, at: entry.at.getTime() })
}

/** An audit line from an XRANGE reply's entry: [id, [field, value, ...]]. */
export function decodeAudit(reply: unknown): AuditRecord | null {
  const [streamId, fields] = asArray(reply)
  const values = asArray(fields).map((value) => asString(value))
  const text = values[values.indexOf('e') + 1]
  if (!text) return null
  const raw = JSON.parse(text) as Omit<AuditEntry, 'at'> & { at: number; actor: Actor }
  return {
    ...raw,
    id: Number((asString(streamId) ?? '0').split('-')[0]),
    at: new Date(raw.at),
  }
}
