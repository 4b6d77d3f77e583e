import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { getPrincipal } from '@bulwark/core';
import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthGuard, AuthKeyStore } from './index.js';

class NotesController {
  list() {}
}

describe('AuthGuard', () => {
  let issuer: TestIssuer;
  let guard: AuthGuard;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    const store = new AuthKeyStore({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUrl,
    });
    await store.verifier.warmUp();
    guard = new AuthGuard(new Reflector(), store);
  });
  afterAll(() => issuer.close());

  /** A real request and response pair carrying `authorization`. */
  const call = (authorization: string) => {
    const request = new IncomingMessage(new Socket());
    request.headers.authorization = authorization;
    const response = new ServerResponse(request);
    const context = new ExecutionContextHost(
      [request, response],
      NotesController,
      NotesController.prototype.list,
    );
    return { request, response, answer: guard.canActivate(context) };
  };

  it('verifies a new token asynchronously, then answers it synchronously from the cache', async () => {
    const token = issuer.mint({ claims: { sub: 'carol' } });
    const first = call(`Bearer ${token}`);
    expect(first.answer).toBeInstanceOf(Promise);
    expect(await first.answer).toBe(true);
    expect(getPrincipal(first.request)?.subject).toBe('carol');

    const second = call(`Bearer ${token}`);
    expect(second.answer).toBe(true);
    expect(getPrincipal(second.request)?.subject).toBe('carol');
    expect(second.response.getHeader('cache-control')).toBe('no-store');
  });

  it('refuses a bad token with a 401 problem, also when answering asynchronously', async () => {
    const refused = call(`Bearer ${issuer.mint({ claims: { aud: 'someone-else' } })}`);
    await expect(refused.answer).rejects.toMatchObject({ status: 401 });
    expect(refused.response.getHeader('www-authenticate')).toContain('error="invalid_token"');
    expect(getPrincipal(refused.request)).toBeUndefined();
  });
});
