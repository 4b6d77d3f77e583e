import { ADAPTERS, type AdapterName, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendProblem } from '../src/exports/problems.js';
import { applyErrorHandling } from '../src/index.js';
import { CaptureLogger } from './support/capture-logger.js';
import { FixtureModule } from './support/fixture.js';

/** A password-reset token as it travels in a link: 43 characters of base64url. */
const RESET_TOKEN = 'q8Zr1vKp0WcX7uT2yNbE5mLh3sJd9gFa4oIe6nRkQ0U';
const SIGNATURE = 'sig-9f2c41d7e6b58a03f1c2d3e4b5a69788';

/** The fixture app, with Fastify's router errors answered by `sendProblem` (as `@bulwark/http` does). */
function createApp(adapter: AdapterName) {
  const httpAdapter =
    adapter === 'express'
      ? new ExpressAdapter()
      : new FastifyAdapter({
          frameworkErrors: ((error: Error, request: unknown, reply: unknown) =>
            sendProblem(error, request, reply)) as never,
        });
  return NestFactory.create(FixtureModule, httpAdapter, { logger: false, abortOnError: false });
}

const json = (body: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body,
});

describe.each(ADAPTERS)('what @bulwark/errors writes to the log on %s', (adapter) => {
  const logs = new CaptureLogger();
  let hardened: RunningApp;
  let ownParser: RunningApp;

  /** Everything logged for the request that got this response, as one JSON text. */
  const loggedFor = (response: Response) => {
    const entries = logs.forRequest(response.headers.get('x-request-id') as string);
    expect(entries.length).toBeGreaterThan(0);
    return { entries, text: JSON.stringify(entries) };
  };

  beforeAll(async () => {
    hardened = await bootstrap(await createApp(adapter), {
      adapter,
      configure: (app) => {
        app.useLogger(logs);
        applyErrorHandling(app);
      },
    });
    // The adapter's own parser: Express's body-parser, Fastify's JSON parser.
    ownParser = await bootstrap(FixtureModule, {
      adapter,
      configure: (app) => {
        app.useLogger(logs);
        applyErrorHandling(app, { body: false });
      },
    });
  });
  afterAll(async () => {
    await hardened?.close();
    await ownParser?.close();
  });

  it.each([
    ['a bare word', '{"password": Sup3rS3cret}', 'unexpected character at position 13'],
    [
      'a long body cut short',
      `{"user":"alice","note":"${'n'.repeat(40)}","password":"Sup3rS3cret`,
      'unexpected end at position 89',
    ],
    [
      'a control character',
      '{"password":"Sup3r\u0001S3cret"}',
      'control character in string at position 18',
    ],
  ])(
    'regression: logs a JSON syntax error (%s) as its position and kind, never text from the body',
    async (_name, body, where) => {
      const response = await fetch(`${hardened.url}/echo`, json(body));
      expect(response.status).toBe(400);
      const { entries, text } = loggedFor(response);
      expect(entries[0]?.message).toMatchObject({
        status: 400,
        type: 'urn:bulwark:problem:invalid-json',
        reason: `JSON syntax: ${where}`,
      });
      for (const fragment of ['Sup3r', 'S3cret', 'password', 'alice', 'nnnn']) {
        expect(text).not.toContain(fragment);
      }
    },
  );

  it("regression: logs the adapter's own JSON parser errors without text from the body", async () => {
    const response = await fetch(`${ownParser.url}/echo`, json('{"password": Sup3rS3cret}'));
    expect(response.status).toBe(400);
    const { entries, text } = loggedFor(response);
    expect(entries[0]?.message).toMatchObject({
      status: 400,
      reason:
        adapter === 'express'
          ? 'body-parser: entity.parse.failed (unexpected character at position 13)'
          : 'fastify: FST_ERR_CTP_INVALID_JSON_BODY',
    });
    for (const fragment of ['Sup3r', 'S3cret', 'password']) expect(text).not.toContain(fragment);
  });

  it('regression: logs the route template of a matched route, not the path with its token', async () => {
    const response = await fetch(
      `${hardened.url}/reset/${RESET_TOKEN}?email=alice%40example.com&sig=${SIGNATURE}`,
    );
    expect(response.status).toBe(410);
    const { entries, text } = loggedFor(response);
    expect(entries[0]?.message).toMatchObject({ status: 410, path: '/reset/:token' });
    expect(text).not.toContain(RESET_TOKEN);
    expect(text).not.toContain(SIGNATURE);
    expect(text).not.toContain('alice');
  });

  it('regression: logs a badly encoded path parameter without the parameter', async () => {
    const response = await fetch(`${hardened.url}/reset/%zz${RESET_TOKEN}?sig=${SIGNATURE}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const { entries, text } = loggedFor(response);
    expect(entries[0]?.message).toMatchObject({
      status: 400,
      path: '/reset/[REDACTED]',
      reason:
        adapter === 'express'
          ? 'router: a path parameter is not valid percent-encoding'
          : 'fastify: FST_ERR_BAD_URL',
    });
    expect(text).not.toContain(RESET_TOKEN);
    expect(text).not.toContain(SIGNATURE);
  });

  it('regression: logs an unmatched path without its query, segments over 32 characters replaced', async () => {
    const kept = 'k'.repeat(32);
    const response = await fetch(
      `${hardened.url}/account/reset/${RESET_TOKEN}/confirm/${kept}?token=${SIGNATURE}`,
    );
    expect(response.status).toBe(404);
    const { entries, text } = loggedFor(response);
    expect(entries[0]?.message).toMatchObject({
      status: 404,
      path: `/account/reset/[REDACTED]/confirm/${kept}`,
    });
    expect(text).not.toContain(RESET_TOKEN);
    expect(text).not.toContain(SIGNATURE);
    // The client still gets its own path back as the problem's instance.
    expect(((await response.json()) as { instance: string }).instance).toBe(
      `/account/reset/${RESET_TOKEN}/confirm/${kept}`,
    );
  });
});
