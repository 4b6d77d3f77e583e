import { request as httpRequest } from 'node:http';
import { type Principal } from '@bulwark/core';
import { publishSecurityEvent } from '@bulwark/core/events';
import { registerSecretValue } from '@bulwark/core/redaction';
import {
  appendRequestHook,
  rawRequest,
  setLogCorrelation,
  setPrincipal,
} from '@bulwark/core/request';
import { UNMATCHED_ROUTE } from '@bulwark/core/routes';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Controller, Get, Headers, Logger, Module, Param, Req } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LoggingModule } from '../src/index.js';
import { CapturedLines } from './capture.js';

const TOKEN =
  'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Imh0dHBzOi8vaWRwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const COOKIE_VALUE = 'session=s%3Aopaque-session-value-123';
const EARLY_SECRET = 'early-registered-secret-value';
const LATE_SECRET = 'late-registered "secret" value';

registerSecretValue(EARLY_SECRET);

const alice: Principal = {
  id: 'https://idp.example|alice',
  issuer: 'https://idp.example',
  subject: 'alice',
  clientId: undefined,
  scopes: ['notes:read'],
  roles: [],
  claims: {},
  expiresAt: new Date(0),
};

@Controller('notes')
class NotesController {
  private readonly logger = new Logger('NotesController');

  @Get(':id')
  get(@Param('id') id: string, @Req() request: unknown, @Headers() headers: unknown) {
    setPrincipal(request, alice);
    // Careless application logging: the whole header set, a secret, a forged line.
    this.logger.log({ msg: 'loading note', id, headers });
    this.logger.warn(`connecting with ${EARLY_SECRET} and ${LATE_SECRET}`);
    this.logger.log(`note ${id}\n{"level":"fatal","msg":"forged line"}\u2028x`);
    publishSecurityEvent({
      kind: 'authorization.denied',
      reason: 'not_owner',
      requestId: 'rid-1',
      principalId: alice.id,
      route: 'GET /notes/:id',
      details: { action: 'notes:read' },
    });
    return { id };
  }
}

/** Values a client sends, each logged by the careless handler below under a sensitive name. */
const SENT = {
  'x-new-password': 'n3w-Passw0rd-value',
  'x-client-secret': 'client-secret-value-9',
  'x-auth-token': 'opaque-auth-token-value-1',
  'x-api-key': 'api-key-value-2',
  'x-refresh-token': 'refresh-token-value-3',
  cookie: 'sid=session-cookie-value-4',
};

@Controller('account')
class AccountController {
  private readonly logger = new Logger('AccountController');

  @Get()
  show(@Req() request: unknown, @Headers() headers: Record<string, string>) {
    this.logger.log({
      msg: 'account change',
      rawHeaders: rawRequest(request).rawHeaders,
      change: {
        newPassword: headers['x-new-password'],
        currentPassword: headers['x-new-password'],
        oauth: { clientSecret: headers['x-client-secret'] },
        grants: [
          { accessToken: headers['x-auth-token'], refreshToken: headers['x-refresh-token'] },
          { sessionId: headers.cookie, privateKey: headers['x-client-secret'] },
        ],
        apiKey: headers['x-api-key'],
        api_key: headers['x-api-key'],
        tokenType: 'Bearer',
      },
    });
    return { ok: true };
  }
}

/** Lets the test hold `/slow` open until the client has gone. */
const slow = { entered: () => {}, release: () => {} };

@Controller('slow')
class SlowController {
  @Get()
  async wait() {
    await new Promise<void>((resolve) => {
      slow.release = resolve;
      slow.entered();
    });
    return { late: true };
  }
}

@Module({ controllers: [NotesController, AccountController, SlowController] })
class NotesModule {}

/** Answers 401 to `/refused` from a request hook, on either adapter. */
function refuseHook(request: unknown, response: unknown, done: () => void): void {
  if (rawRequest(request).url !== '/refused') {
    done();
    return;
  }
  const reply = response as {
    code?: (status: number) => { send: (body: unknown) => void };
    status?: (status: number) => { json: (body: unknown) => void };
  };
  if (typeof reply.code === 'function') reply.code(401).send({ refused: true });
  else reply.status?.(401).json({ refused: true });
}

describe.each(ADAPTERS)('@bulwark/logging on %s', (adapter) => {
  let running: RunningApp;
  const captured = new CapturedLines();
  let tick = 0;

  @Module({
    imports: [
      NotesModule,
      LoggingModule.forRoot({
        destination: captured,
        level: 'debug',
        base: { service: 'notes' },
        clock: () => {
          tick += 7;
          return tick;
        },
      }),
    ],
  })
  class AppModule {}

  beforeAll(async () => {
    registerSecretValue(LATE_SECRET);
    running = await bootstrap(AppModule, {
      adapter,
      // Installed before the access log (which installs when the modules initialise): it
      // refuses /refused the way an early hook does, without calling `done`.
      configure: (app) => appendRequestHook(app.getHttpAdapter(), 'refuse', refuseHook, Error),
    });
  });
  afterAll(() => running.close());
  afterEach(() => setLogCorrelation(undefined));

  it('writes one access line with route template, status, duration and principal', async () => {
    const response = await fetch(`${running.url}/notes/42?q=secret-query`, {
      headers: { 'x-request-id': 'req-access-1' },
    });
    expect(response.status).toBe(200);
    const [line] = captured
      .ofKind('http.access')
      .filter((entry) => entry.requestId === 'req-access-1');
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request completed',
      service: 'notes',
      requestId: 'req-access-1',
      method: 'GET',
      route: '/notes/:id',
      status: 200,
      durationMs: 7,
      principalId: 'https://idp.example|alice',
    });
    expect(JSON.stringify(line)).not.toContain('secret-query');
  });

  it('labels unmatched routes with one shared value and still assigns a request id', async () => {
    const response = await fetch(`${running.url}/nothing/here/123`);
    expect(response.status).toBe(404);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [line] = captured.ofKind('http.access').filter((entry) => entry.requestId === id);
    expect(line).toMatchObject({ route: UNMATCHED_ROUTE, status: 404, method: 'GET' });
    expect(line?.principalId).toBeUndefined();
  });

  it('labels an unmatched route UNMATCHED, the route label @bulwark/metrics gives it', async () => {
    const response = await fetch(`${running.url}/scanner/probe/.env`);
    expect(response.status).toBe(404);
    const id = response.headers.get('x-request-id');
    const [line] = captured.ofKind('http.access').filter((entry) => entry.requestId === id);
    expect(line?.route).toBe('UNMATCHED');
  });

  it('logs a request the client abandoned once, with aborted: true, also after the handler ends', async () => {
    const entered = new Promise<void>((resolve) => {
      slow.entered = resolve;
    });
    const port = Number(new URL(running.url).port);
    const client = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/slow',
      agent: false,
      headers: { 'x-request-id': 'req-aborted-1' },
    });
    client.on('error', () => {});
    client.end();
    await entered;
    client.destroy();
    const ofAborted = () =>
      captured.ofKind('http.access').filter((line) => line.requestId === 'req-aborted-1');
    await expect.poll(ofAborted).toHaveLength(1);
    expect(ofAborted()[0]).toMatchObject({ method: 'GET', route: '/slow', aborted: true });
    slow.release();
    // A later request's line is written after the abandoned handler has answered into nothing.
    const after = await fetch(`${running.url}/notes/after-abort`, {
      headers: { 'x-request-id': 'req-after-abort' },
    });
    expect(after.status).toBe(200);
    await expect
      .poll(() =>
        captured.ofKind('http.access').filter((line) => line.requestId === 'req-after-abort'),
      )
      .toHaveLength(1);
    expect(ofAborted()).toHaveLength(1);
  });

  it('regression: logs a request a hook installed before the access log refused', async () => {
    const response = await fetch(`${running.url}/refused`, {
      headers: { 'x-request-id': 'req-refused-1' },
    });
    expect(response.status).toBe(401);
    await expect
      .poll(() =>
        captured.ofKind('http.access').filter((line) => line.requestId === 'req-refused-1'),
      )
      .toHaveLength(1);
    const [line] = captured
      .ofKind('http.access')
      .filter((entry) => entry.requestId === 'req-refused-1');
    expect(line).toMatchObject({ method: 'GET', route: UNMATCHED_ROUTE, status: 401 });
  });

  it('never writes a token, cookie or registered secret sent or logged by the app', async () => {
    const response = await fetch(`${running.url}/notes/7`, {
      headers: {
        authorization: `Bearer ${TOKEN}`,
        cookie: COOKIE_VALUE,
        'x-request-id': 'req-redact-1',
        'x-debug': `token=${TOKEN}`,
      },
    });
    expect(response.status).toBe(200);
    const text = captured.text;
    expect(text).toContain('loading note');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.split('.')[2]);
    expect(text).not.toContain('opaque-session-value');
    expect(text).not.toContain(EARLY_SECRET);
    expect(text).not.toContain('late-registered');
    const loading = captured.lines.find((line) => line.msg === 'loading note' && line.id === '7');
    expect(loading?.headers).toMatchObject({
      authorization: '[REDACTED]',
      cookie: '[REDACTED]',
      'x-debug': 'token=[REDACTED]',
    });
  });

  it('regression: writes no value logged under a sensitive name fragment, nested, in arrays or in rawHeaders', async () => {
    const response = await fetch(`${running.url}/account`, {
      headers: { ...SENT, 'x-request-id': 'req-fragments-1' },
    });
    expect(response.status).toBe(200);
    const line = captured.lines.find((entry) => entry.msg === 'account change');
    expect(line).toBeDefined();
    const text = captured.text;
    for (const value of Object.values(SENT)) expect(text).not.toContain(value);
    expect(text).not.toMatch(/n3w-Passw0rd|client-secret-value|session-cookie-value/);
    const raw = line?.rawHeaders as string[];
    for (let index = 0; index < raw.length; index += 2) {
      const name = (raw[index] as string).toLowerCase();
      if (name in SENT) expect(raw[index + 1]).toBe('[REDACTED]');
    }
    expect(raw).toContain('req-fragments-1');
    expect(line?.change).toMatchObject({ newPassword: '[REDACTED]', tokenType: 'Bearer' });
  });

  it('keeps every line one JSON object, whatever a message contains', async () => {
    await fetch(`${running.url}/notes/9`);
    for (const raw of captured.text.split('\n').filter(Boolean)) {
      expect(() => JSON.parse(raw)).not.toThrow();
      expect(raw).not.toContain('\u2028');
    }
    expect(captured.lines.some((line) => line.msg === 'forged line')).toBe(false);
    expect(captured.lines.some((line) => String(line.msg).includes('forged line'))).toBe(true);
  });

  it('logs security events as structured lines a SIEM can filter', async () => {
    await fetch(`${running.url}/notes/1`);
    const [line] = captured.ofKind('authorization.denied');
    expect(line).toMatchObject({
      level: 'warn',
      event: {
        kind: 'authorization.denied',
        category: 'security',
        reason: 'not_owner',
        details: { action: 'notes:read' },
      },
      requestId: 'rid-1',
      principalId: 'https://idp.example|alice',
      route: 'GET /notes/:id',
    });
  });

  it('adds trace_id and span_id to every line once a correlation provider is set', async () => {
    setLogCorrelation(() => ({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
    }));
    await fetch(`${running.url}/notes/5`, { headers: { 'x-request-id': 'req-trace-1' } });
    const [line] = captured
      .ofKind('http.access')
      .filter((entry) => entry.requestId === 'req-trace-1');
    expect(line).toMatchObject({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
    });
  });

  it('routes Nest framework logs through the JSON logger', () => {
    new Logger('Framework').log('hello from nest');
    const line = captured.lines.find((entry) => entry.msg === 'hello from nest');
    expect(line).toMatchObject({ level: 'info', context: 'Framework' });
  });
});
