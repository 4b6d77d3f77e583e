import { BulwarkConfigError } from '@bulwark/core';
import { type Environment, envBool, envList } from '@bulwark/core/env';

const EXPORTERS = ['otlp', 'console', 'zipkin', 'none'] as const;
const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;

/**
 * Whether the SDK should start. `OTEL_TRACES_EXPORTER=none` (and `OTEL_SDK_DISABLED=true`)
 * means no SDK at all: nothing is imported, nothing is patched.
 */
export function tracingRequested(env: Environment): boolean {
  if (envBool('OTEL_SDK_DISABLED', false, { env })) return false;
  const exporters = envList('OTEL_TRACES_EXPORTER', [], { env });
  return !(exporters.length > 0 && exporters.every((exporter) => exporter === 'none'));
}

/**
 * Fails start-up on values the SDK would only warn about and silently replace or fail with, such
 * as a misspelt protocol that would send protobuf to a JSON-only collector, or a collector
 * endpoint without its `http://` scheme.
 */
export function validateTracingEnv(env: Environment): void {
  for (const exporter of envList('OTEL_TRACES_EXPORTER', [], { env })) {
    if (!(EXPORTERS as readonly string[]).includes(exporter)) {
      throw new BulwarkConfigError(
        'OTEL_TRACES_EXPORTER',
        `"${exporter}" is not supported. Set OTEL_TRACES_EXPORTER to one of ${EXPORTERS.join(', ')}.`,
      );
    }
  }
  // The SDK takes `collector:4318` (no scheme) or `ftp://…` without complaint at start-up, then
  // fails every export: the traces are lost with only a warning per batch.
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const endpoint = env[name]?.trim();
    if (endpoint && !isHttpUrl(endpoint)) {
      throw new BulwarkConfigError(
        name,
        `"${endpoint}" is not an absolute http:// or https:// URL. Set ${name} to the collector's URL, such as http://otel-collector:4318, or unset it.`,
      );
    }
  }
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = env[name]?.trim();
    if (protocol && !(PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new BulwarkConfigError(
        name,
        `"${protocol}" is not supported. Set ${name} to one of ${PROTOCOLS.join(', ')}.`,
      );
    }
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The Bulwark settings read from the environment by the preload entry. */
export interface TracingEnvSettings {
  /** `OTEL_BULWARK_RECORD_STACKS`, default false. */
  readonly recordStacks: boolean;
  /** `OTEL_PROPAGATE_INCOMING_BAGGAGE`, default false. */
  readonly propagateIncomingBaggage: boolean;
}

/** Reads Bulwark's own tracing variables; a value that is not a boolean fails start-up. */
export function readTracingSettings(env: Environment): TracingEnvSettings {
  return {
    recordStacks: envBool('OTEL_BULWARK_RECORD_STACKS', false, { env }),
    propagateIncomingBaggage: envBool('OTEL_PROPAGATE_INCOMING_BAGGAGE', false, { env }),
  };
}
