import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.module.js';
import { ADAPTER } from '../src/http-adapter.js';

describe(`the service on ${ADAPTER}`, () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await createApp({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    url = url.replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app.close());

  it('answers the liveness probe without a token', async () => {
    const response = await fetch(`${url}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers 404 for an unknown route', async () => {
    expect((await fetch(`${url}/no-such-route`)).status).toBe(404);
  });
});
