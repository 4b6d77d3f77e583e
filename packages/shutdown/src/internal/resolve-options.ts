import { BulwarkConfigError } from '@bulwark/core';
import { type Environment } from '@bulwark/core/env';
import {
  DEFAULT_HOOK_TIMEOUT_SECONDS,
  DEFAULT_IDLE_GRACE_SECONDS,
  DEFAULT_SHUTDOWN_DELAY_SECONDS,
  DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
} from '../shutdown.constants.js';
import type {
  ResolvedShutdownOptions,
  ShutdownClock,
  ShutdownLogEntry,
  ShutdownModuleOptions,
} from '../shutdown-options.interface.js';

const MAX_SECONDS = 3600;

/** Accepts a number from the option, else a decimal from the variable, else the default. */
function seconds(
  option: string,
  value: unknown,
  variable: string | undefined,
  env: Environment,
  fallback: number,
  min: number,
): number {
  if (value !== undefined) {
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < min ||
      value > MAX_SECONDS
    ) {
      throw new BulwarkConfigError(
        option,
        `must be a number of seconds from ${min} to ${MAX_SECONDS}. Set ${option} to such a number or leave it unset.`,
      );
    }
    return value;
  }
  const raw = variable ? env[variable]?.trim() : undefined;
  if (variable === undefined || raw === undefined || raw === '') return fallback;
  const parsed = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(parsed) || parsed < min || parsed > MAX_SECONDS) {
    throw new BulwarkConfigError(
      variable,
      `must be a number of seconds from ${min} to ${MAX_SECONDS}. Set ${variable} to such a number or unset it.`,
    );
  }
  return parsed;
}

/** The real clock: ref'd timers, so the process lives until the machine calls exit. */
export const systemClock: ShutdownClock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

function writeJsonLine(entry: ShutdownLogEntry): void {
  process.stdout.write(`${JSON.stringify({ time: Date.now(), context: 'Shutdown', ...entry })}\n`);
}

/** Validates options and environment at registration; errors name the option or variable. */
export function resolveShutdownOptions(
  options: ShutdownModuleOptions = {},
): ResolvedShutdownOptions {
  if (typeof options !== 'object' || options === null) {
    throw new BulwarkConfigError('ShutdownModule options', 'must be an object.');
  }
  const env = options.env ?? process.env;
  for (const name of ['exit', 'log'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new BulwarkConfigError(name, 'must be a function.');
    }
  }
  if (
    options.clock !== undefined &&
    (typeof options.clock?.now !== 'function' || typeof options.clock?.setTimeout !== 'function')
  ) {
    throw new BulwarkConfigError('clock', 'must have now() and setTimeout(callback, ms).');
  }
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  if (!Array.isArray(signals) || signals.some((signal) => !/^SIG[A-Z0-9]+$/.test(String(signal)))) {
    throw new BulwarkConfigError('signals', "must be a list of signal names such as ['SIGTERM'].");
  }
  if (signals.includes('SIGKILL') || signals.includes('SIGSTOP')) {
    throw new BulwarkConfigError('signals', 'SIGKILL and SIGSTOP cannot be caught. Remove them.');
  }
  const kubernetes = (env.KUBERNETES_SERVICE_HOST ?? '').trim() !== '';
  const delaySource =
    options.delaySeconds !== undefined
      ? 'option'
      : (env.SHUTDOWN_DELAY_SECONDS ?? '').trim() !== ''
        ? 'environment'
        : 'default';
  const delaySeconds = seconds(
    'delaySeconds',
    options.delaySeconds,
    'SHUTDOWN_DELAY_SECONDS',
    env,
    DEFAULT_SHUTDOWN_DELAY_SECONDS,
    0,
  );
  const timeoutSeconds = seconds(
    'timeoutSeconds',
    options.timeoutSeconds,
    'SHUTDOWN_TIMEOUT_SECONDS',
    env,
    DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
    0.001,
  );
  const idleGraceSeconds = seconds(
    'idleGraceSeconds',
    options.idleGraceSeconds,
    undefined,
    env,
    DEFAULT_IDLE_GRACE_SECONDS,
    0,
  );
  const hookTimeoutSeconds = seconds(
    'hookTimeoutSeconds',
    options.hookTimeoutSeconds,
    undefined,
    env,
    DEFAULT_HOOK_TIMEOUT_SECONDS,
    0.001,
  );
  return {
    delayMs: Math.round(delaySeconds * 1000),
    delaySource,
    // An operator who set a delay wants it behind any load balancer (Nomad, ECS, HAProxy,
    // Traefik); only the built-in default is left out where nothing is known to need it.
    delayApplies:
      delaySource !== 'default' || kubernetes || options.delayOutsideKubernetes === true,
    timeoutMs: Math.round(timeoutSeconds * 1000),
    idleGraceMs: Math.round(idleGraceSeconds * 1000),
    hookTimeoutMs: Math.round(hookTimeoutSeconds * 1000),
    signals: [...new Set(signals)],
    exit: options.exit ?? ((code) => process.exit(code)),
    clock: options.clock ?? systemClock,
    log: options.log ?? writeJsonLine,
  };
}
