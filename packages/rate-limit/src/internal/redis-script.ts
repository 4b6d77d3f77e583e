import { createHash } from 'node:crypto';

/**
 * The GCRA step of `gcra.ts`, as one atomic Lua script. It reads the clock with `TIME`, so
 * every replica shares the Redis server's clock and skew between pods cannot widen a limit.
 * The key always gets a TTL (`PX`) equal to the time until its quota is full again: an idle
 * key disappears exactly when it no longer carries information.
 *
 * KEYS[1] the bucket; ARGV: emission interval (µs), window (µs), cost (0 peeks), limit.
 * Returns { allowed (0|1), remaining, resetMs, retryAfterMs }.
 */
export const GCRA_SCRIPT = `
local emission = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local charge = emission
if cost > 0 then charge = cost * emission end
local nxt = tat + charge
local function units(headroom)
  local r = math.floor(headroom / emission)
  if r < 0 then return 0 end
  if r > limit then return limit end
  return r
end
if nxt - now > window then
  return { 0, units(window - (tat - now)), math.ceil((tat - now) / 1000), math.ceil((nxt - window - now) / 1000) }
end
if cost == 0 then
  return { 1, units(window - (tat - now)), math.ceil((tat - now) / 1000), 0 }
end
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000))
return { 1, units(window - (nxt - now)), math.ceil((nxt - now) / 1000), 0 }
`;

/** The SHA-1 that `EVALSHA` names the script by. */
export const GCRA_SCRIPT_SHA = createHash('sha1').update(GCRA_SCRIPT).digest('hex');

/**
 * The Redis key of a bucket. The identity is hashed, so keys have a bounded length and carry
 * no principal id or address in clear; the braces make it a Redis Cluster hash tag, so the
 * slot is computed from the bucket identity alone.
 */
export function redisKey(prefix: string, key: string): string {
  return `${prefix}{${createHash('sha256').update(key).digest('base64url').slice(0, 22)}}`;
}
