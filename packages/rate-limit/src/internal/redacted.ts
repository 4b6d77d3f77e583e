import { type InspectOptions, inspect } from 'node:util';
import { REDACTED } from '@bulwark/core/redaction';
import type { Cluster, Redis } from 'ioredis';

/**
 * How a Redis setting is shown in a printed or serialized summary: the URL without its password
 * and query (where ioredis also reads a password), or that a client was given.
 */
export function redisLabel(redis: string | Redis | Cluster | undefined): string | undefined {
  if (redis === undefined) return undefined;
  if (typeof redis !== 'string') return 'an ioredis client';
  let url: URL;
  try {
    url = new URL(redis);
  } catch {
    return REDACTED;
  }
  const password = url.password === '' ? '' : `:${REDACTED}`;
  const auth = url.username === '' && password === '' ? '' : `${url.username}${password}@`;
  return `${url.protocol}//${auth}${url.host}${url.pathname}`;
}

/** `util.inspect` of `summary`, headed by `name`, with the caller's inspect options. */
export function inspectAs(
  name: string,
  summary: Record<string, unknown>,
  options: InspectOptions,
  format: typeof inspect = inspect,
): string {
  return `${name} ${format(summary, options)}`;
}

/**
 * Makes `target` print (`util.inspect`, `console.log`, a test runner's diff) and serialize
 * (`JSON.stringify`, a logger) as `summary()` only. Both are non-enumerable own properties, so
 * spreading the object is unchanged.
 */
export function redactObject<T extends object>(
  target: T,
  name: string,
  summary: () => Record<string, unknown>,
): T {
  Object.defineProperties(target, {
    [inspect.custom]: {
      value: (_depth: number, options: InspectOptions, format?: typeof inspect) =>
        inspectAs(name, summary(), options, format),
      enumerable: false,
    },
    toJSON: { value: () => ({ type: name, ...summary() }), enumerable: false },
  });
  return target;
}
