import { BulwarkConfigError } from '@bulwark/core';
import {
  READINESS_INDICATOR,
  type ReadinessCheck,
  type ReadinessResult,
} from '@bulwark/core/lifecycle';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  ServiceUnavailableException,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import {
  type HealthCheckResult,
  HealthCheckService,
  type HealthCheckStatus,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { InjectHealthOptions } from './health.module-definition.js';
import type { ResolvedHealthOptions } from './health-options.interface.js';
import { type CheckFunction, CheckRunner } from './internal/check-runner.js';

/**
 * The body of a probe: a status and, for readiness, each check's `up`/`down` with the settings
 * the check chose to show (its `info`), nothing else.
 */
export interface ProbeBody {
  /** `ok`, `error` (a check is down, or the app has not started), or `shutting_down`. */
  status: HealthCheckStatus;
  /**
   * Each readiness check by name, such as `{ redis: { status: 'down' } }` or
   * `{ jwks: { status: 'up', httpKeysAllowed: true } }`.
   */
  details?: Record<string, { status: 'up' | 'down' } & Record<string, string | number | boolean>>;
}

/** A probe's answer: the HTTP status and the minimal body. */
export interface ProbeAnswer {
  /** 200 or 503. */
  statusCode: 200 | 503;
  /** Never holds hosts, connection strings or error text. */
  body: ProbeBody;
}

interface RegisteredCheck {
  name: string;
  key: string;
  run: CheckFunction;
}

/**
 * Answers the three probes. Readiness checks are every provider marked with core's
 * `@ReadinessIndicator()` (found through Nest discovery at bootstrap), plus those added with
 * {@link HealthService.addReadinessCheck}.
 *
 * @example
 * ```ts
 * constructor(health: HealthService) {
 *   health.addReadinessCheck('search', async () => ({ ready: await search.ping() }));
 * }
 * ```
 */
@Injectable()
export class HealthService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Health');
  private readonly runner: CheckRunner;
  private readonly checks: RegisteredCheck[] = [];
  private readonly lastReady = new Map<string, boolean>();
  private sequence = 0;
  private bootstrapped = false;
  private started = false;
  private closing = false;

  constructor(
    @InjectHealthOptions() private readonly options: ResolvedHealthOptions,
    private readonly discovery: DiscoveryService,
    private readonly terminus: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {
    this.runner = new CheckRunner(
      this.options.checkTimeoutMs,
      this.options.cacheTtlMs,
      this.options.clock,
    );
  }

  /** @internal Discovers the `@ReadinessIndicator()` providers. */
  onApplicationBootstrap(): void {
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.isDependencyTreeStatic()) continue;
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null || seen.has(instance)) continue;
      const name: unknown = Reflect.getMetadata(READINESS_INDICATOR, instance.constructor);
      if (typeof name !== 'string') continue;
      seen.add(instance);
      if (typeof (instance as Partial<ReadinessCheck>).readiness !== 'function') {
        throw new BulwarkConfigError(
          `@ReadinessIndicator('${name}')`,
          `${instance.constructor.name} has no readiness() method. Implement ReadinessCheck.`,
        );
      }
      this.addReadinessCheck(name, instance as ReadinessCheck);
    }
    this.bootstrapped = true;
  }

  /** @internal Nest is closing the app: stop taking traffic. */
  beforeApplicationShutdown(): void {
    this.closing = true;
  }

  /**
   * Adds a readiness check by hand. Returns the function that removes it.
   *
   * @param name shown in the readiness body; checks sharing a name are down if any is down.
   * @param check a {@link ReadinessCheck}, or a function returning `{ ready, detail? }`. An
   *   asynchronous check gets an AbortSignal that fires at `checkTimeoutMs`.
   */
  addReadinessCheck(
    name: string,
    check: ReadinessCheck | ((signal: AbortSignal) => ReadinessResult | Promise<ReadinessResult>),
  ): () => void {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new BulwarkConfigError('addReadinessCheck(name)', 'must be a non-empty string.');
    }
    const run: CheckFunction =
      typeof check === 'function'
        ? check
        : (signal) => (check.readiness as CheckFunction).call(check, signal);
    const registered: RegisteredCheck = { name, key: `${name}#${++this.sequence}`, run };
    this.checks.push(registered);
    return () => {
      const index = this.checks.indexOf(registered);
      if (index >= 0) this.checks.splice(index, 1);
    };
  }

  /** Liveness: the process answers. Never consults a dependency, and stays 200 while draining. */
  liveness(): ProbeAnswer {
    return { statusCode: 200, body: { status: 'ok' } };
  }

  /** Readiness: every check is ready, the app has started, and it is not shutting down. */
  async readiness(): Promise<ProbeAnswer> {
    if (!this.bootstrapped) return { statusCode: 503, body: { status: 'error' } };
    const states = new Map<string, boolean>();
    const infos = new Map<string, Record<string, string | number | boolean>>();
    const results = await Promise.all(
      this.checks.map(async (check) => ({
        check,
        result: await this.runner.run(check.key, check.run),
      })),
    );
    for (const { check, result } of results) {
      states.set(check.name, (states.get(check.name) ?? true) && result.ready);
      if (result.info) infos.set(check.name, { ...infos.get(check.name), ...result.info });
      this.logTransition(check, result);
    }
    const answer = await this.summarize(states, infos);
    if (this.closing && answer.body.status === 'ok') {
      return { statusCode: 503, body: { ...answer.body, status: 'shutting_down' } };
    }
    return answer;
  }

  /**
   * Startup: 503 until readiness has passed once, then 200 for good, so a dependency that
   * fails later makes the pod unready without the kubelet restarting it.
   */
  async startup(): Promise<ProbeAnswer> {
    if (!this.started) {
      this.started = (await this.readiness()).statusCode === 200;
    }
    return this.started
      ? { statusCode: 200, body: { status: 'ok' } }
      : { statusCode: 503, body: { status: 'error' } };
  }

  private async summarize(
    states: Map<string, boolean>,
    infos: ReadonlyMap<string, Record<string, string | number | boolean>> = new Map(),
  ): Promise<ProbeAnswer> {
    const indicators = [...states].map(
      ([name, ready]) =>
        () =>
          ready ? this.indicators.check(name).up() : this.indicators.check(name).down(),
    );
    let result: HealthCheckResult;
    let statusCode: 200 | 503 = 200;
    try {
      result = await this.terminus.check(indicators);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      result = error.getResponse() as HealthCheckResult;
      statusCode = 503;
    }
    const details: NonNullable<ProbeBody['details']> = {};
    for (const [name, ready] of states) {
      details[name] = { ...infos.get(name), status: ready ? 'up' : 'down' };
    }
    return { statusCode, body: { status: result.status, details } };
  }

  /** Logs each change of a check, with its detail, to the server log only. */
  private logTransition(check: RegisteredCheck, result: ReadinessResult): void {
    const previous = this.lastReady.get(check.key);
    this.lastReady.set(check.key, result.ready);
    if (previous === result.ready) return;
    if (result.ready) {
      if (previous === false) this.logger.log(`readiness check ${check.name} is up again`);
    } else {
      this.logger.warn(
        `readiness check ${check.name} is down${result.detail ? `: ${result.detail}` : ''}`,
      );
    }
  }
}
