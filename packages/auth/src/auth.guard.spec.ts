import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { getPrincipal } from '@bulwark/core';
import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { createDpopKey, createDpopProof } from '@bulwark/testing/dpop';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthKeyStore } from './exports/verifier.js';
import { AuthGuard } from './index.js';

class NotesController {
  list() {}
}

/**
 * The execution context Nest gives a guard on an HTTP request to `NotesController.list`, built
 * from the public `ExecutionContext` interface (Nest's own `ExecutionContextHost` is internal).
 */
function httpContext(request: IncomingMessage, response: ServerResponse): ExecutionContext {
  const args = [request, response];
  const http = {
    getRequest: <T>() => request as T,
    getResponse: <T>() => response as T,
    getNext: <T>() => undefined as T,
  };
  const notHttp = () => {
    throw new Error('an HTTP request has no RPC or WebSocket context');
  };
  return {
    getType: <T extends string>() => 'http' as T,
    getClass: <T>() => NotesController as T,
    getHandler: () => NotesController.prototype.list,
    getArgs: <T extends unknown[]>() => args as T,
    getArgByIndex: <T>(index: number) => args[index] as T,
    switchToHttp: () => http,
    switchToRpc: notHttp,
    switchToWs: notHttp,
  };
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
    return { request, response, answer: guard.canActivate(httpContext(request, response)) };
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

  it('answers a DPoP request synchronously once its proof key and token were seen', async () => {
    const key = createDpopKey('ES256');
    const token = issuer.mintDpopBound(key, { claims: { sub: 'dave' } });
    const proofOf = () =>
      createDpopProof(key, {
        method: 'GET',
        url: 'http://api.example.com/notes',
        accessToken: token,
      });
    const dpopCall = (proof: string) => {
      const request = new IncomingMessage(new Socket());
      request.method = 'GET';
      request.url = '/notes';
      request.headers.host = 'api.example.com';
      request.headers.authorization = `DPoP ${token}`;
      request.rawHeaders = [
        'Host',
        'api.example.com',
        'Authorization',
        `DPoP ${token}`,
        'DPoP',
        proof,
      ];
      const response = new ServerResponse(request);
      let answer: unknown;
      try {
        answer = guard.canActivate(httpContext(request, response));
      } catch (error) {
        answer = error;
      }
      return { request, response, answer };
    };
    const first = dpopCall(proofOf());
    expect(first.answer).toBeInstanceOf(Promise);
    expect(await first.answer).toBe(true);

    const proof = proofOf();
    const second = dpopCall(proof);
    expect(second.answer).toBe(true);
    expect(getPrincipal(second.request)?.subject).toBe('dave');
    // The same proof again is a replay, refused at once.
    const replayed = dpopCall(proof);
    expect(replayed.answer).toMatchObject({ status: 401 });
    expect(replayed.response.getHeader('www-authenticate')).toContain('error="invalid_dpop_proof"');
    expect(getPrincipal(replayed.request)).toBeUndefined();
  });

  it('refuses a bad token with a 401 problem, also when answering asynchronously', async () => {
    const refused = call(`Bearer ${issuer.mint({ claims: { aud: 'someone-else' } })}`);
    await expect(refused.answer).rejects.toMatchObject({ status: 401 });
    expect(refused.response.getHeader('www-authenticate')).toContain('error="invalid_token"');
    expect(getPrincipal(refused.request)).toBeUndefined();
  });
});
