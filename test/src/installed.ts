/**
 * Whether the tests of an external server can run: `found` as given, except that when it is not,
 * it warns loudly (`message`, then "They are SKIPPED.") so that tests can
 * `describe.skipIf(!hasX())`, and under `CI` it throws instead, because a CI run that skips those
 * tests proves nothing.
 *
 * @example
 * ```ts
 * export const hasRedis = () =>
 *   installedOrSkipped(redisServerBinary() !== undefined, 'redis-server was not found: …');
 * ```
 */
export function installedOrSkipped(found: boolean, message: string): boolean {
  if (found) return true;
  if (process.env.CI) throw new Error(message);
  console.warn(`\n!!!!! ${message} They are SKIPPED. !!!!!\n`);
  return false;
}
