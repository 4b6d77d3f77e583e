import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.module.js';
import { ADAPTER } from '../src/http-adapter.js';

describe(`the notes resource on ${ADAPTER}`, () => {
  let app: INestApplication;
  let url: string;
  let issuer: TestIssuer;

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: 'notes-api' });
    app = await createApp({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await issuer.close();
  });

  it('refuses a request without a token with 401', async () => {
    const response = await fetch(`${url}/v1/notes`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.type ?? body.message).toBeDefined();
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js/);
  });

  it('refuses a write without a token with 401, never creating the note', async () => {
    const token = issuer.mint({ claims: { sub: 'alice', scope: 'notes:read notes:write' } });
    const created = await fetch(`${url}/v1/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 't', body: 'b' }),
    });
    expect(created.status).toBe(401);
    // Until @bulwark/auth is wired, even a valid token is not accepted: the route fails closed.
    const withToken = await fetch(`${url}/v1/notes`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(withToken.status).toBe(401);
  });

  it('refuses the admin listing without a token with 401', async () => {
    expect((await fetch(`${url}/v1/admin/notes`)).status).toBe(401);
  });
});
