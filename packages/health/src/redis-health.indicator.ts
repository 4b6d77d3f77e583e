import { type InspectOptions, inspect } from 'node:util';
import { BulwarkConfigError } from '@bulwark/core';
import {
  type ReadinessCheck,
  ReadinessIndicator,
  type ReadinessResult,
} from '@bulwark/core/lifecycle';
import { REDACTED } from '@bulwark/core/redaction';
import { HealthError } from './health.error.js';
import { parseRedisUrl, type RedisTarget, respPing } from './internal/resp-ping.js';
import type { RedisHealthIndicatorOptions } from './redis-health-indicator-options.interface.js';

/**
 * A readiness check named `redis` that sends PING. It works on its own, without the rest of
 * this package: `await new RedisHealthIndicator({ url }).readiness()`. Registered as a provider
 * in an app with `HealthModule`, it is discovered and shown as `redis` on `/health/ready`.
 *
 * The URL form opens a short connection per check (raw RESP over `node:net`/`node:tls`, no
 * client library); `HealthModule` caches the answer briefly and bounds it with a timeout.
 *
 * @example
 * ```ts
 * providers: [{ provide: RedisHealthIndicator, useValue: new RedisHealthIndicator({ url: process.env.REDIS_URL! }) }]
 * ```
 */
@ReadinessIndicator('redis')
export class RedisHealthIndicator implements ReadinessCheck {
  private readonly target: RedisTarget | undefined;
  private readonly options: RedisHealthIndicatorOptions;

  /** @throws BulwarkConfigError when neither a valid `url` nor a `client` is given. */
  constructor(options: RedisHealthIndicatorOptions, settingName = 'redis') {
    this.options = options;
    if (options?.client !== undefined) {
      if (typeof options.client.ping !== 'function') {
        throw new BulwarkConfigError(`${settingName}.client`, 'must have a ping() method.');
      }
      return;
    }
    if (typeof options?.url !== 'string') {
      throw new BulwarkConfigError(settingName, 'set either url (redis://host:port) or client.');
    }
    const target = parseRedisUrl(options.url);
    // The URL may hold a password: the message names the fault, never the value.
    if (typeof target === 'string') {
      throw new BulwarkConfigError(`${settingName}.url`, `${target}. Set redis://host:port.`);
    }
    this.target = target;
  }

  /**
   * Prints as a summary (`console.log`, `util.inspect`, a test runner's diff): where the PING
   * goes, without the URL's password.
   */
  [inspect.custom](_depth: number, options: InspectOptions, format = inspect): string {
    return `RedisHealthIndicator ${format(this.toJSON(), options)}`;
  }

  /** Serializes (`JSON.stringify`, a logger) as the same summary. */
  toJSON(): Record<string, unknown> {
    const target = this.target;
    if (!target) return { type: 'RedisHealthIndicator', redis: 'a client' };
    const user = target.username ?? '';
    const auth = target.password ? `${user}:${REDACTED}@` : user ? `${user}@` : '';
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    return {
      type: 'RedisHealthIndicator',
      redis: `${target.tls ? 'rediss' : 'redis'}://${auth}${host}:${target.port}`,
    };
  }

  /**
   * PINGs Redis. Resolves `{ ready: false, detail }` instead of throwing. `signal` cancels the
   * connection; `HealthModule` passes one that aborts at its check timeout.
   */
  async readiness(signal: AbortSignal = AbortSignal.timeout(5000)): Promise<ReadinessResult> {
    try {
      if (this.target) {
        await respPing(this.target, signal);
      } else {
        const reply = await this.options.client?.ping();
        if (reply !== 'PONG') {
          throw new HealthError(
            'HEALTH_REDIS_UNAVAILABLE',
            `unexpected PING reply ${String(reply)}`,
          );
        }
      }
      return { ready: true };
    } catch (error) {
      return { ready: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }
}
