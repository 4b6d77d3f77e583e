import { BulwarkConfigError } from '@bulwark/core';
import { describe, expect, it } from 'vitest';
import { readTracingSettings, tracingRequested, validateTracingEnv } from './tracing-env.js';

describe('tracingRequested', () => {
  it.each([
    [{}, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_TRACES_EXPORTER: ' none , none ' }, false],
    [{ OTEL_TRACES_EXPORTER: 'none,otlp' }, true],
    [{ OTEL_SDK_DISABLED: 'true' }, false],
  ])('for %j is %s', (env, expected) => {
    expect(tracingRequested(env)).toBe(expected);
  });
});

describe('validateTracingEnv', () => {
  it('accepts the standard values', () => {
    expect(() =>
      validateTracingEnv({
        OTEL_TRACES_EXPORTER: 'otlp,console',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example.com/v1/traces',
      }),
    ).not.toThrow();
  });

  it.each([
    [
      { OTEL_TRACES_EXPORTER: 'jaeger' },
      'OTEL_TRACES_EXPORTER: "jaeger" is not supported. Set OTEL_TRACES_EXPORTER to one of otlp, console, zipkin, none.',
    ],
    [
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuff' },
      'OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuff" is not supported. Set OTEL_EXPORTER_OTLP_PROTOCOL to one of http/protobuf, http/json, grpc.',
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'json' },
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "json" is not supported. Set OTEL_EXPORTER_OTLP_TRACES_PROTOCOL to one of http/protobuf, http/json, grpc.',
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' },
      'OTEL_EXPORTER_OTLP_ENDPOINT: "otel-collector:4318" is not an absolute http:// or https:// URL. Set OTEL_EXPORTER_OTLP_ENDPOINT to the collector\'s URL, such as http://otel-collector:4318, or unset it.',
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://otel-collector/v1/traces' },
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://otel-collector/v1/traces" is not an absolute http:// or https:// URL. Set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT to the collector\'s URL, such as http://otel-collector:4318, or unset it.',
    ],
  ])('rejects %j, naming the variable', (env, message) => {
    expect(() => validateTracingEnv(env)).toThrow(BulwarkConfigError);
    expect(() => validateTracingEnv(env)).toThrow(message);
  });
});

describe('readTracingSettings', () => {
  it('defaults to no stacks and no incoming baggage', () => {
    expect(readTracingSettings({})).toEqual({
      recordStacks: false,
      propagateIncomingBaggage: false,
    });
  });

  it('reads OTEL_BULWARK_RECORD_STACKS and OTEL_PROPAGATE_INCOMING_BAGGAGE', () => {
    expect(
      readTracingSettings({
        OTEL_BULWARK_RECORD_STACKS: 'true',
        OTEL_PROPAGATE_INCOMING_BAGGAGE: 'true',
      }),
    ).toEqual({ recordStacks: true, propagateIncomingBaggage: true });
  });

  it.each(['OTEL_BULWARK_RECORD_STACKS', 'OTEL_PROPAGATE_INCOMING_BAGGAGE'])(
    'rejects a value of %s that is not a boolean, naming the variable',
    (name) => {
      expect(() => readTracingSettings({ [name]: 'sometimes' })).toThrow(
        `${name}: must be true or false. Set ${name}=true or ${name}=false.`,
      );
    },
  );
});
