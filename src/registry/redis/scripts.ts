import { RedisScript } from '../../redis/client.js'

/**
 * The Redis backend's Lua scripts. Each runs atomically: a login's insert and its check of the
 * limit, an end's reasons, deletes and audit lines. Every script gets the key prefix (the hash
 * tag, `{prefix}`) as ARGV[1] and a key under it as KEYS[1], which routes it on a cluster; the
 * keys it builds from the prefix are in the same slot.
 *
 * A record is a hash (see RECORD_FIELDS in codec.ts); an index entry whose record has expired is
 * dropped where it is met, so stale entries never count against a limit.
 */
const PRELUDE = `
local p = ARGV[1]
local FIELDS = {'sid', 'uid', 'created', 'seen', 'expires', 'ip', 'ua', 'idle', 'abs', 'tout'}
local function rec(id) return p .. ':rec:' .. id end
local function sidkey(sid) return p .. ':sid:' .. sid end
local function userkey(uid) return p .. ':user:' .. uid end
local function unindex(id, uid)
  if uid then redis.call('ZREM', userkey(uid), id) end
  redis.call('ZREM', p .. ':all', id)
  redis.call('ZREM', p .. ':timeouts', id)
end
local function drop(id)
  local sid, uid = unpack(redis.call('HMGET', rec(id), 'sid', 'uid'))
  if not sid then
    unindex(id, nil)
    return nil
  end
  redis.call('DEL', rec(id), sidkey(sid))
  unindex(id, uid)
  return sid
end
local function live(uid)
  local ids = redis.call('ZRANGE', userkey(uid), 0, -1)
  local out = {}
  for _, id in ipairs(ids) do
    if redis.call('EXISTS', rec(id)) == 1 then
      out[#out + 1] = id
    else
      unindex(id, uid)
    end
  end
  return out
end
local function record(id)
  local values = redis.call('HMGET', rec(id), unpack(FIELDS))
  if not values[1] then return nil end
  local out = {id}
  for i = 1, #FIELDS do out[#out + 1] = values[i] or '' end
  return out
end
local function expire(id, sid, at)
  redis.call('PEXPIREAT', rec(id), at)
  redis.call('PEXPIREAT', sidkey(sid), at)
end
local function schedule(id, tout)
  if tout == '' then
    redis.call('ZREM', p .. ':timeouts', id)
  else
    redis.call('ZADD', p .. ':timeouts', tout, id)
  end
end
`

/**
 * A login. ARGV: prefix, mode, limit, grace, sid, uid, created, expires, ip, ua, idle, abs, tout.
 * Modes: `add` records it; `within` records it unless the user has `limit` live records
 * (returns 0 then); `keep` records it and returns the records beyond the newest `limit`.
 * Returns the new id, then id, sid, uid, expires of each record beyond the limit.
 */
export const ADMIT = new RedisScript(
  'admit',
  `${PRELUDE}
local mode, limit, grace = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local sid, uid, created, expires = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if mode == 'within' and #live(uid) >= limit then return {0} end
local id = redis.call('INCR', p .. ':seq')
redis.call('HSET', rec(id), 'sid', sid, 'uid', uid, 'created', created, 'seen', created,
  'expires', expires, 'ip', ARGV[9], 'ua', ARGV[10], 'idle', ARGV[11], 'abs', ARGV[12],
  'tout', ARGV[13])
redis.call('SET', sidkey(sid), id)
expire(id, sid, tonumber(expires) + grace)
redis.call('ZADD', userkey(uid), id, id)
redis.call('ZADD', p .. ':all', id, id)
schedule(id, ARGV[13])
local out = {id}
if mode == 'keep' then
  local ids = live(uid)
  for i = #ids - limit, 1, -1 do
    local old = ids[i]
    local osid, oexpires = unpack(redis.call('HMGET', rec(old), 'sid', 'expires'))
    out[#out + 1] = old
    out[#out + 1] = osid
    out[#out + 1] = uid
    out[#out + 1] = oexpires
  end
end
return out
`,
)

/**
 * The live records of these users (ARGV: prefix, uids...), each user's oldest first: each as
 * id, then FIELDS.
 */
export const USER_RECORDS = new RedisScript(
  'user-records',
  `${PRELUDE}
local out = {}
for i = 2, #ARGV do
  for _, id in ipairs(live(ARGV[i])) do
    local r = record(id)
    if r then out[#out + 1] = r end
  end
end
return out
`,
)

/** Records by id (ARGV: prefix, ids...); missing ones are left out, and out of the indexes. */
export const RECORDS = new RedisScript(
  'records',
  `${PRELUDE}
local out = {}
for i = 2, #ARGV do
  local r = record(ARGV[i])
  if r then out[#out + 1] = r else unindex(ARGV[i], nil) end
end
return out
`,
)

/** The record of a session id (ARGV: prefix, sid), or nil. */
export const FIND = new RedisScript(
  'find',
  `${PRELUDE}
local id = redis.call('GET', sidkey(ARGV[2]))
if not id then return nil end
local r = record(id)
if not r or r[2] ~= ARGV[2] then return nil end
return r
`,
)

/** Which of these sids are recorded (ARGV: prefix, sids...): 1 or 0 for each. */
export const RECORDED = new RedisScript(
  'recorded',
  `${PRELUDE}
local out = {}
for i = 2, #ARGV do
  local id = redis.call('GET', sidkey(ARGV[i]))
  out[#out + 1] = (id and redis.call('HGET', rec(id), 'sid') == ARGV[i]) and 1 or 0
end
return out
`,
)

/** Forgets the records of these sids (ARGV: prefix, sids...); returns how many there were. */
export const REMOVE_SIDS = new RedisScript(
  'remove-sids',
  `${PRELUDE}
local n = 0
for i = 2, #ARGV do
  local id = redis.call('GET', sidkey(ARGV[i]))
  if id and redis.call('HGET', rec(id), 'sid') == ARGV[i] and drop(id) then n = n + 1 end
end
return n
`,
)

/**
 * Forgets records by id (ARGV: prefix, before, ids...); with `before` (ms, or ''), only those
 * not seen since. Returns how many it removed.
 */
export const REMOVE_IDS = new RedisScript(
  'remove-ids',
  `${PRELUDE}
local before = tonumber(ARGV[2])
local n = 0
for i = 3, #ARGV do
  local seen = redis.call('HGET', rec(ARGV[i]), 'seen')
  if seen and (not before or tonumber(seen) < before) and drop(ARGV[i]) then n = n + 1 end
end
return n
`,
)

/**
 * Moves a record to a new sid (ARGV: prefix, id, old sid, new sid, seen, expires, tout, grace):
 * 1, or 0 when the old sid no longer has that record.
 */
export const RENAME = new RedisScript(
  'rename',
  `${PRELUDE}
local id, old, new = ARGV[2], ARGV[3], ARGV[4]
if redis.call('GET', sidkey(old)) ~= id or redis.call('HGET', rec(id), 'sid') ~= old then
  return 0
end
redis.call('DEL', sidkey(old))
redis.call('SET', sidkey(new), id)
redis.call('HSET', rec(id), 'sid', new, 'seen', ARGV[5], 'expires', ARGV[6], 'tout', ARGV[7])
expire(id, new, tonumber(ARGV[6]) + tonumber(ARGV[8]))
schedule(id, ARGV[7])
return 1
`,
)

/** Last-seen, expiry and time-out of a session (ARGV: prefix, sid, seen, expires, tout, grace). */
export const TOUCH = new RedisScript(
  'touch',
  `${PRELUDE}
local sid = ARGV[2]
local id = redis.call('GET', sidkey(sid))
if not id or redis.call('HGET', rec(id), 'sid') ~= sid then return 0 end
redis.call('HSET', rec(id), 'seen', ARGV[3], 'expires', ARGV[4], 'tout', ARGV[5])
expire(id, sid, tonumber(ARGV[4]) + tonumber(ARGV[6]))
schedule(id, ARGV[5])
return 1
`,
)

/**
 * Compare-and-set of a record's time-out (ARGV: prefix, id, expected, new): claims a timed-out
 * session, or gives a claim back. 1 when it was still `expected`.
 */
export const SWAP_TIMEOUT = new RedisScript(
  'swap-timeout',
  `${PRELUDE}
if redis.call('HGET', rec(ARGV[2]), 'tout') ~= ARGV[3] then return 0 end
redis.call('HSET', rec(ARGV[2]), 'tout', ARGV[4])
schedule(ARGV[2], ARGV[4])
return 1
`,
)

/**
 * An end of sessions, or any part of one. ARGV: prefix, audit cap, then the reasons
 * (count, then ref, JSON, expires-at ms for each), the records to delete (count, then ids), the
 * audit lines (count, then JSON for each). The reasons are written only if new and while their
 * session would still live; the audit lines get ids `<n>-0` from a counter. Returns how many
 * records it deleted, then the sid each of them had.
 */
export const END = new RedisScript(
  'end',
  `${PRELUDE}
local cap = ARGV[2]
local now = redis.call('TIME')
local nowms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local i = 3
local function count()
  local n = tonumber(ARGV[i])
  i = i + 1
  return n
end
for _ = 1, count() do
  local key, at = p .. ':end:' .. ARGV[i], tonumber(ARGV[i + 2])
  if at > nowms and redis.call('SET', key, ARGV[i + 1], 'NX') then
    redis.call('PEXPIREAT', key, at)
  end
  i = i + 3
end
local out = {0}
for _ = 1, count() do
  local sid = drop(ARGV[i])
  if sid then
    out[1] = out[1] + 1
    out[#out + 1] = sid
  end
  i = i + 1
end
for _ = 1, count() do
  local n = redis.call('INCR', p .. ':audit:seq')
  redis.call('XADD', p .. ':audit', 'MAXLEN', cap, n .. '-0', 'e', ARGV[i])
  i = i + 1
end
return out
`,
)
