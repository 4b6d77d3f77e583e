import { describe, expect, it } from 'vitest';
import { ProblemException } from './problem.js';

describe('ProblemException', () => {
  it('carries a problem body and keeps the reason out of it', () => {
    const error = new ProblemException({
      kind: 'invalid-token',
      status: 401,
      title: 'Unauthorized',
      detail: 'The access token is invalid.',
      reason: 'signature',
    });
    expect(error.getStatus()).toBe(401);
    expect(error.getResponse()).toEqual({
      type: 'urn:bulwark:problem:invalid-token',
      title: 'Unauthorized',
      status: 401,
      detail: 'The access token is invalid.',
    });
    expect(error.reason).toBe('signature');
  });

  it('raises another problem again as itself, body, reason and headers included', () => {
    class Busy extends ProblemException {}
    const original = new ProblemException({
      kind: 'service-unavailable',
      status: 503,
      title: 'Service Unavailable',
      detail: 'Busy.',
      reason: 'queue full',
      headers: { 'retry-after': '3' },
    });
    const again = new Busy(original);
    expect(again.getStatus()).toBe(503);
    expect(again.getResponse()).toEqual(original.problem);
    expect(again.problem).not.toBe(original.problem);
    expect(again.reason).toBe('queue full');
    expect(again.headers).toEqual({ 'retry-after': '3' });
  });
});
