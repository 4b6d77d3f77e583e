import { describe, expect, it } from 'vitest';
import { setAuthFailureRefusal, takeAuthFailureRefusal } from './auth-failure-limit.js';

describe('the failed-authentication refusal mark', () => {
  it('is absent on an unmarked request', () => {
    expect(takeAuthFailureRefusal({ headers: {} })).toBeUndefined();
  });

  it('builds the refusal only when taken, once, on the raw request behind a Fastify request', () => {
    const raw = { headers: {} };
    let built = 0;
    setAuthFailureRefusal({ raw }, () => {
      built += 1;
      return new Error('too many failed attempts');
    });
    expect(built).toBe(0);
    const refusal = takeAuthFailureRefusal(raw);
    expect(refusal).toBeInstanceOf(Error);
    expect(refusal?.message).toBe('too many failed attempts');
    expect(takeAuthFailureRefusal({ raw })).toBeUndefined();
    expect(built).toBe(1);
  });
});
