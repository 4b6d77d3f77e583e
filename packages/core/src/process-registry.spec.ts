import { describe, expect, it } from 'vitest';
import {
  logCorrelation,
  onSecretRegistered,
  registeredSecretValues,
  registerSecretValue,
  setLogCorrelation,
} from './process-registry.js';

describe('process registry', () => {
  it('registers secrets once, notifies listeners, and ignores values too short to redact', () => {
    const seen: string[] = [];
    const stop = onSecretRegistered((value) => seen.push(value));
    registerSecretValue('s3cr3t-password');
    registerSecretValue('s3cr3t-password');
    registerSecretValue('abc');
    stop();
    registerSecretValue('another-secret');
    expect(seen).toEqual(['s3cr3t-password']);
    expect([...registeredSecretValues()]).toEqual(['s3cr3t-password', 'another-secret']);
  });

  it('returns correlation fields from the registered provider', () => {
    expect(logCorrelation()).toBeUndefined();
    setLogCorrelation(() => ({ trace_id: 'abc' }));
    expect(logCorrelation()).toEqual({ trace_id: 'abc' });
    setLogCorrelation(undefined);
    expect(logCorrelation()).toBeUndefined();
  });
});
