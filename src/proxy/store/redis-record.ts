// The Redis store's record scripts: claim, progress, settle, read and the rate-limit counter, one atomic script each.
import { MS, NOW } from './redis-queue.js';

/** KEYS: record. ARGV: fingerprint, owner, leaseMs, ttlMs. Answers {outcome, hgetall, now}. */
export const CLAIM = `${NOW}
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  redis.call('HSET', key, 'fingerprint', ARGV[1], 'leaseOwner', ARGV[2], 'leaseUntil', ${MS('now + tonumber(ARGV[3])')}, 'createdAt', ${MS('now')})
  redis.call('PEXPIRE', key, tonumber(ARGV[4]))
  return {'claimed', redis.call('HGETALL', key), ${MS('now')}}
end
if redis.call('HGET', key, 'fingerprint') ~= ARGV[1] then return {'mismatch', redis.call('HGETALL', key), ${MS('now')}} end
if redis.call('HEXISTS', key, 'answer') == 1 then return {'done', redis.call('HGETALL', key), ${MS('now')}} end
local owner = redis.call('HGET', key, 'leaseOwner')
local leaseUntil = tonumber(redis.call('HGET', key, 'leaseUntil') or '0')
if owner and leaseUntil > now then return {'busy', redis.call('HGETALL', key), ${MS('now')}} end
redis.call('HSET', key, 'leaseOwner', ARGV[2], 'leaseUntil', ${MS('now + tonumber(ARGV[3])')})
return {'claimed', redis.call('HGETALL', key), ${MS('now')}}`;

/** KEYS: record. ARGV: owner, leaseMs, pending ('' keep, '\\0' clear, else set), then step name/value pairs. */
export const SAVE_PROGRESS = `${NOW}
local key = KEYS[1]
if redis.call('HGET', key, 'leaseOwner') ~= ARGV[1] then return 0 end
for i = 4, #ARGV, 2 do redis.call('HSET', key, 'step:' .. ARGV[i], ARGV[i + 1]) end
if ARGV[3] == '\\0' then redis.call('HDEL', key, 'pendingStep')
elseif ARGV[3] ~= '' then redis.call('HSET', key, 'pendingStep', ARGV[3]) end
redis.call('HSET', key, 'leaseUntil', ${MS('now + tonumber(ARGV[2])')})
return 1`;

/** KEYS: record, channel. ARGV: owner, answer JSON ('' to release without an answer), record key name. */
export const SETTLE = `
local key = KEYS[1]
if redis.call('HGET', key, 'leaseOwner') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then
  redis.call('HSET', key, 'answer', ARGV[2])
  redis.call('HDEL', key, 'pendingStep')
end
redis.call('HDEL', key, 'leaseOwner', 'leaseUntil')
redis.call('PUBLISH', KEYS[2], ARGV[3])
return 1`;

/** KEYS: record. Answers {hgetall, now}. */
export const READ = `${NOW}
return {redis.call('HGETALL', KEYS[1]), ${MS('now')}}`;

/** KEYS: counter. ARGV: windowMs. Answers {count, pttl}: a fixed window that starts with its first hit. */
export const HIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;
