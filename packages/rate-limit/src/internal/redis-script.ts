import { createHash, hash } from 'node:crypto';

/**
 * The GCRA step of `gcra.ts`, as one atomic Lua script. It reads the clock with `TIME`, so
 * every replica shares the Redis server's clock and skew between pods cannot widen a limit.
 * The key always gets a TTL (`PX`) equal to the time until its quota is full again: an idle
 * key disappears exactly when it no longer carries information. The script stays minimal
 * (Redis runs scripts one at a time); the decision is derived in JS by `decisionOf`.
 *
 * KEYS[1] the bucket; ARGV: charge (µs), window (µs), '1' to peek.
 * Returns { allowed (0|1), tat - now after the step (µs) }.
 */
export const GCRA_SCRIPT = `
local clock = redis.call('TIME')
local now = clock[1] * 1000000 + clock[2]
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local nxt = tat + ARGV[1]
if nxt - now > tonumber(ARGV[2]) then return { 0, tat - now } end
if ARGV[3] == '1' then return { 1, tat - now } end
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000))
return { 1, nxt - now }
`;

/** The SHA-1 that `EVALSHA` names the script by. */
export const GCRA_SCRIPT_SHA = createHash('sha1').update(GCRA_SCRIPT).digest('hex');

/**
 * The Redis key of a bucket. The identity is hashed, so keys have a bounded length and carry
 * no principal id or address in clear; the braces make it a Redis Cluster hash tag, so the
 * slot is computed from the bucket identity alone.
 */
export function redisKey(prefix: string, key: string): string {
  return `${prefix}{${hash('sha256', key, 'base64url').slice(0, 22)}}`;
}
