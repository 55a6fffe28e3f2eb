/**
 * Where the Redis backend keeps things. Every key is under one hash tag, `{prefix}`, so that all
 * of them live in one cluster slot and each Lua script may touch any of them on Redis Cluster.
 *
 *   {p}:seq              INCR counter of record ids (ids order logins: higher is newer)
 *   {p}:rec:<id>         hash, one session record; expires a grace period after its session
 *   {p}:sid:<sid>        string, the record id of a session id; expires with the record
 *   {p}:user:<userId>    sorted set of the user's record ids, scored by id
 *   {p}:all              sorted set of every record id, scored by id (listings, pruning)
 *   {p}:timeouts         sorted set of record ids scored by when they time out (ms)
 *   {p}:end:<ref>        string, JSON: why the session whose sid hashes to <ref> ended; expires
 *                        when that session would have
 *   {p}:audit            stream, the audit trail, capped; entry ids are `<n>-0`
 *   {p}:audit:seq        INCR counter of audit line numbers
 *
 * Index entries whose record has expired are dropped as they are met (every read checks).
 */
export class RedisKeys {
  readonly tag: string
  readonly seq: string
  readonly all: string
  readonly timeouts: string
  readonly audit: string
  readonly auditSeq: string

  constructor(readonly prefix: string) {
    this.tag = `{${prefix}}`
    this.seq = `${this.tag}:seq`
    this.all = `${this.tag}:all`
    this.timeouts = `${this.tag}:timeouts`
    this.audit = `${this.tag}:audit`
    this.auditSeq = `${this.tag}:audit:seq`
  }

  record(id: number | string): string {
    return `${this.tag}:rec:${id}`
  }

  sid(sid: string): string {
    return `${this.tag}:sid:${sid}`
  }

  user(userId: string): string {
    return `${this.tag}:user:${userId}`
  }

  ending(ref: string): string {
    return `${this.tag}:end:${ref}`
  }
}

export const DEFAULT_REDIS_PREFIX = 'single-session'
