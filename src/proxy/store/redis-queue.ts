// The Redis delivery queue's Lua scripts: enqueue, ordered leases, settle, dead letters and counts, one atomic script each.

// Redis's clock in ms. Every script that looks at leases reads it the same way.
export const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
export const MS = (expr: string) => `string.format('%.0f', ${expr})`;

// The delivery queue: KEYS[1] a ZSET of ids scored by enqueue sequence, KEYS[2] a HASH id → item JSON,
// KEYS[3] a HASH of live leases id → `owner expiryMs` (expired ones are dropped when seen), KEYS[4] the sequence,
// KEYS[5] a HASH of dead letters id → item JSON with reason and deadAt, KEYS[6] a ZSET of dead ids by sequence.

/** ARGV: id, payload. Answers 1 when added, 0 when the id is already queued. */
const ENQUEUE = `${NOW}
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
local seq = redis.call('INCR', KEYS[4])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({payload = ARGV[2], enqueuedAt = now, attempts = 0, notBefore = now}))
return 1`;

/** Sets `live` (id → true) and `count` from the lease hash, dropping expired leases. */
const LIVE_LEASES = `
local live = {}
local count = 0
local leases = redis.call('HGETALL', KEYS[3])
for i = 1, #leases, 2 do
  local expiry = tonumber(string.match(leases[i + 1], ' (%d+)$') or '0')
  if expiry > now then
    live[leases[i]] = true
    count = count + 1
  else
    redis.call('HDEL', KEYS[3], leases[i])
  end
end`;

/** ARGV: owner, leaseMs, limit. Answers {id, item JSON} or false. Scans in order for the first ready, unleased item. */
const LEASE_NEXT = `${NOW}
${LIVE_LEASES}
if count >= tonumber(ARGV[3]) then return false end
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  if not live[id] then
    local raw = redis.call('HGET', KEYS[2], id)
    if raw then
      local item = cjson.decode(raw)
      if tonumber(item.notBefore) <= now then
        redis.call('HSET', KEYS[3], id, ARGV[1] .. ' ' .. ${MS('now + tonumber(ARGV[2])')})
        return {id, raw}
      end
    end
  end
end
return false`;

/** The caller's lease check: ARGV[1] id, ARGV[2] owner. */
const OWNS_LEASE = `
local lease = redis.call('HGET', KEYS[3], ARGV[1])
if not lease or string.match(lease, '^(%S+) ') ~= ARGV[2] then return 0 end`;

/** ARGV: id, owner, notBefore ('' to remove the item: ack). Answers 1, or 0 when the lease is not the caller's. */
const SETTLE_ITEM = `${OWNS_LEASE}
redis.call('HDEL', KEYS[3], ARGV[1])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
local item = cjson.decode(redis.call('HGET', KEYS[2], ARGV[1]))
item.attempts = tonumber(item.attempts) + 1
item.notBefore = tonumber(ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(item))
return 1`;

/** ARGV: id, owner, leaseMs. Answers 1 when renewed. */
const EXTEND_LEASE = `${NOW}
${OWNS_LEASE}
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2] .. ' ' .. ${MS('now + tonumber(ARGV[3])')})
return 1`;

/** Answers {waiting, retrying, dead, oldest enqueuedAt or -1}. */
const QUEUE_STATS = `
local waiting, retrying, oldest = 0, 0, -1
local items = redis.call('HVALS', KEYS[2])
for _, raw in ipairs(items) do
  local item = cjson.decode(raw)
  if tonumber(item.attempts) > 0 then retrying = retrying + 1 else waiting = waiting + 1 end
  local at = tonumber(item.enqueuedAt)
  if oldest < 0 or at < oldest then oldest = at end
end
return {waiting, retrying, redis.call('HLEN', KEYS[5]), ${MS('oldest')}}`;

/** ARGV: id, owner, reason. Moves the leased item to the dead letters; 0 when the lease is not the caller's. */
const DEAD_LETTER = `${NOW}
${OWNS_LEASE}
redis.call('HDEL', KEYS[3], ARGV[1])
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
local item = cjson.decode(raw)
item.reason = ARGV[3]
item.deadAt = now
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[6], redis.call('INCR', KEYS[4]), ARGV[1])
redis.call('HSET', KEYS[5], ARGV[1], cjson.encode(item))
return 1`;

/** Answers the dead letters as a flat {id, item JSON, …} list, oldest first. */
const LIST_DEAD = `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[6], 0, -1)) do
  local raw = redis.call('HGET', KEYS[5], id)
  if raw then
    out[#out + 1] = id
    out[#out + 1] = raw
  end
end
return out`;

/** ARGV: id ('' for all). Puts dead letters back at the tail, ready now, as fresh items; answers how many moved. */
const RETRY_DEAD = `${NOW}
local ids = ARGV[1] == '' and redis.call('ZRANGE', KEYS[6], 0, -1) or {ARGV[1]}
local moved = 0
for _, id in ipairs(ids) do
  local raw = redis.call('HGET', KEYS[5], id)
  if raw then
    redis.call('HDEL', KEYS[5], id)
    redis.call('ZREM', KEYS[6], id)
    if redis.call('HEXISTS', KEYS[2], id) == 0 then
      redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[4]), id)
      redis.call('HSET', KEYS[2], id, cjson.encode({payload = cjson.decode(raw).payload, enqueuedAt = now, attempts = 0, notBefore = now}))
    end
    moved = moved + 1
  end
end
return moved`;

/** The keys every queue script takes: order, items, leases, sequence, dead letters, dead order. */
export type QueueKeys = [string, string, string, string, string, string];
export const QUEUE_KEY_COUNT = 6;

export interface QueueScripts {
  leadrelayEnqueue(...args: [...QueueKeys, id: string, payload: string]): Promise<number>;
  leadrelayLeaseNext(...args: [...QueueKeys, owner: string, leaseMs: number, limit: number]): Promise<[string, string] | null>;
  leadrelaySettleItem(...args: [...QueueKeys, id: string, owner: string, notBefore: string]): Promise<number>;
  leadrelayExtendLease(...args: [...QueueKeys, id: string, owner: string, leaseMs: number]): Promise<number>;
  leadrelayQueueStats(...args: QueueKeys): Promise<[number, number, number, string]>;
  leadrelayDeadLetter(...args: [...QueueKeys, id: string, owner: string, reason: string]): Promise<number>;
  leadrelayListDead(...args: QueueKeys): Promise<string[]>;
  leadrelayRetryDead(...args: [...QueueKeys, id: string]): Promise<number>;
}

export const QUEUE_SCRIPTS: [keyof QueueScripts, string][] = [
  ['leadrelayEnqueue', ENQUEUE],
  ['leadrelayLeaseNext', LEASE_NEXT],
  ['leadrelaySettleItem', SETTLE_ITEM],
  ['leadrelayExtendLease', EXTEND_LEASE],
  ['leadrelayQueueStats', QUEUE_STATS],
  ['leadrelayDeadLetter', DEAD_LETTER],
  ['leadrelayListDead', LIST_DEAD],
  ['leadrelayRetryDead', RETRY_DEAD],
];
