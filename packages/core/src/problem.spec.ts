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
});
