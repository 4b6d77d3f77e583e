import { hostname } from 'node:os';
import { BulwarkConfigError } from '@bulwark/core';
import { type Environment, envInt } from '@bulwark/core/env';
import { logCorrelation } from '@bulwark/core/request';
import { type Logger, pino } from 'pino';
import { ACCESS_LINE_SAMPLE, markKnownFormat } from './internal/access-line.js';
import { isoTimestamp } from './internal/iso-time.js';
import { standardOutput } from './internal/output.js';
import { boundString, createKeyRedactor, createLineScrubber } from './internal/redact.js';
import type {
  LoggingOptions,
  LogLevel,
  ResolvedLoggingOptions,
} from './logging-options.interface.js';

/** The logger's part of {@link ResolvedLoggingOptions}: what `createLogger` builds a logger from. */
export type ResolvedLoggerOptions = Pick<
  ResolvedLoggingOptions,
  'level' | 'destination' | 'redactKeys' | 'flushIntervalMs' | 'base'
>;

/** The mixin's answer when tracing has registered no correlation: nothing is merged. */
const NO_CORRELATION: Record<string, string> = Object.freeze({}) as Record<string, string>;

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The longest `flushIntervalMs` accepted: lines must not wait longer than 10 s to be seen. */
const MAX_FLUSH_INTERVAL_MS = 10_000;

/**
 * The default of {@link resolveFlushInterval}: every line is written as it comes. Buffering
 * saves about 1.5 µs of CPU per line when lines come one at a time (none in bursts, which
 * sonic-boom already writes together), for a window of lines a SIGKILL loses; opt in with
 * `flushIntervalMs` or `LOG_FLUSH_INTERVAL_MS`.
 */
export const DEFAULT_FLUSH_INTERVAL_MS = 0;

/**
 * How long a line may wait in standard output's buffer: the option, else
 * `LOG_FLUSH_INTERVAL_MS`, else {@link DEFAULT_FLUSH_INTERVAL_MS}. 0 writes every line as it comes.
 *
 * @throws BulwarkConfigError naming `flushIntervalMs` or `LOG_FLUSH_INTERVAL_MS` for a value that
 *   is not a whole number from 0 to 10000.
 * @example
 * ```ts
 * resolveFlushInterval(undefined, { LOG_FLUSH_INTERVAL_MS: '0' }); // 0
 * ```
 */
export function resolveFlushInterval(
  flushIntervalMs?: number,
  env: Environment = process.env,
): number {
  if (flushIntervalMs === undefined) {
    return envInt('LOG_FLUSH_INTERVAL_MS', DEFAULT_FLUSH_INTERVAL_MS, {
      min: 0,
      max: MAX_FLUSH_INTERVAL_MS,
      env,
    });
  }
  if (
    !Number.isInteger(flushIntervalMs) ||
    flushIntervalMs < 0 ||
    flushIntervalMs > MAX_FLUSH_INTERVAL_MS
  ) {
    throw new BulwarkConfigError(
      'flushIntervalMs',
      `must be a whole number of milliseconds from 0 to ${MAX_FLUSH_INTERVAL_MS}`,
    );
  }
  return flushIntervalMs;
}

/**
 * The level to log at: the option, else `LOG_LEVEL`, else `info`.
 *
 * @throws BulwarkConfigError naming `level` or `LOG_LEVEL` for an unknown level.
 * @example
 * ```ts
 * resolveLogLevel(undefined, { LOG_LEVEL: 'debug' }); // 'debug'
 * ```
 */
export function resolveLogLevel(level?: string, env: Environment = process.env): LogLevel {
  const fromEnv = env.LOG_LEVEL?.trim().toLowerCase();
  const chosen = level ?? (fromEnv === '' ? undefined : fromEnv) ?? 'info';
  if (!LEVELS.includes(chosen as LogLevel)) {
    const setting = level === undefined ? 'LOG_LEVEL' : 'level';
    throw new BulwarkConfigError(setting, `must be one of ${LEVELS.join(', ')}`);
  }
  return chosen as LogLevel;
}

/**
 * Validates logger options and applies the environment and the defaults, without creating a
 * logger.
 *
 * @throws BulwarkConfigError naming the option or variable at fault.
 * @example
 * ```ts
 * resolveLoggerOptions({ level: 'loud' as never }); // throws "level: must be one of …"
 * ```
 */
export function resolveLoggerOptions(
  options: LoggingOptions,
  env: Environment = process.env,
): ResolvedLoggerOptions {
  const level = resolveLogLevel(options.level, env);
  if (options.destination !== undefined && typeof options.destination?.write !== 'function') {
    throw new BulwarkConfigError('destination', 'must have a write(line) method, such as a stream');
  }
  const flushIntervalMs = resolveFlushInterval(options.flushIntervalMs, env);
  const keys = options.redactKeys;
  if (keys !== undefined && (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string'))) {
    throw new BulwarkConfigError('redactKeys', 'must be a list of field names');
  }
  return {
    level,
    destination: options.destination,
    redactKeys: keys ?? [],
    flushIntervalMs,
    base: options.base ?? {},
  };
}

/**
 * Creates the pino logger every Bulwark log line goes through: JSON lines with a string
 * `level`, an ISO `time` and `msg`; `trace_id`/`span_id` from core's `logCorrelation()` on
 * every line once tracing registers them; sensitive keys, registered secret values and token
 * shapes redacted; strings and nesting bounded. JSON encoding escapes line breaks, so a value
 * cannot forge a line.
 *
 * @throws BulwarkConfigError naming the option or variable at fault.
 * @example
 * ```ts
 * const logger = createLogger({ base: { service: 'notes' } });
 * logger.info({ noteId }, 'note created');
 * ```
 */
export function createLogger(options: LoggingOptions = {}): Logger {
  return loggerFrom(resolveLoggerOptions(options));
}

/**
 * {@link createLogger} for options already resolved by {@link resolveLoggerOptions}, as
 * `LoggingModule` holds them.
 */
export function loggerFrom(options: ResolvedLoggerOptions): Logger {
  const { scrub, hide } = createLineScrubber();
  const redact = createKeyRedactor(options.redactKeys, hide);
  const logger: Logger = pino(
    {
      level: options.level,
      messageKey: 'msg',
      base: { pid: process.pid, hostname: hostname(), ...options.base },
      // pino's isoTime, formatted once per millisecond.
      timestamp: isoTimestamp,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object) as Record<string, unknown>,
      },
      mixin: () => logCorrelation() ?? NO_CORRELATION,
      // pino's default strategy copies every field of the line into the mixin's object; with
      // nothing to add (tracing off), the line's own object is used as it is.
      mixinMergeStrategy: (fields: object, mixed: object) =>
        mixed === NO_CORRELATION ? fields : Object.assign(mixed, fields),
      hooks: {
        // The message is bounded like every string field (pino writes it outside `formatters.log`).
        logMethod(args, method) {
          for (let index = 0; index < args.length; index += 1) {
            const arg = args[index];
            if (typeof arg === 'string') args[index] = boundString(arg, hide);
          }
          return method.apply(this, args);
        },
        streamWrite: scrub,
      },
    },
    options.destination ?? standardOutput(options.flushIntervalMs),
  );
  // The direct access line skips the key walk: only when the walk would leave its fields alone
  // (a `redactKeys` entry such as `principalId` or `route` must still hide them).
  if (redact(ACCESS_LINE_SAMPLE) === ACCESS_LINE_SAMPLE) markKnownFormat(logger);
  return logger;
}
