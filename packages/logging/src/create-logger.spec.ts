import { registerSecretValue } from '@bulwark/core/redaction';
import { describe, expect, it } from 'vitest';
import { createLogger, DEFAULT_FLUSH_INTERVAL_MS, resolveFlushInterval } from './create-logger.js';

function captured() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line) => lines.push(line) },
  });
  return { logger, text: () => lines.join('') };
}

describe('createLogger', () => {
  // Regression: strings were cut at 4096 characters before the line scrubber ran, so a secret
  // across the cut left its first characters in the line; padding moved the cut at will.
  it('hides a secret or token that a long string is cut through', () => {
    const secret = 'cut-through-secret-value';
    registerSecretValue(secret);
    const token =
      'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const { logger, text } = captured();

    logger.info({ note: `${'x'.repeat(4090)}${secret}`, header: `${'y'.repeat(4080)}${token}` });

    const line = JSON.parse(text()) as { note: string; header: string };
    expect(text()).not.toContain('cut-th');
    expect(text()).not.toContain('eyJhbGci');
    // The replacement itself may be cut; the secret is gone either way.
    expect(line.note).toBe(`${'x'.repeat(4090)}[REDAC…[truncated]`);
    expect(line.header).toBe(`${'y'.repeat(4080)}[REDACTED]`);
  });

  it('regression: cuts a long message too, hiding a secret the cut goes through', () => {
    const secret = 'message-cut-secret-value';
    registerSecretValue(secret);
    const { logger, text } = captured();
    logger.info(`${'m'.repeat(4090)}${secret}`);
    expect(text()).not.toContain('message-cu');
    expect((JSON.parse(text()) as { msg: string }).msg).toBe(
      `${'m'.repeat(4090)}[REDAC…[truncated]`,
    );
    const long = captured();
    long.logger.warn({ id: 7 }, 'w'.repeat(9000));
    expect((JSON.parse(long.text()) as { msg: string }).msg).toBe(
      `${'w'.repeat(4096)}…[truncated]`,
    );
  });

  it('still cuts a long string without secrets', () => {
    const { logger, text } = captured();
    logger.info({ note: 'z'.repeat(5000) });
    expect((JSON.parse(text()) as { note: string }).note).toBe(`${'z'.repeat(4096)}…[truncated]`);
  });
  // The redactor returns a plain object untouched when nothing in it changes; these pin that a
  // change after safe fields, a class instance and a cycle still come out as before.
  it('redacts a sensitive key that follows safe ones, keeping the safe ones', () => {
    const { logger, text } = captured();
    logger.info({ a: 1, b: 'two', nested: { ok: true, Password: 'hunter2' }, token: 'abc' });
    const line = JSON.parse(text()) as Record<string, unknown>;
    expect(line).toMatchObject({
      a: 1,
      b: 'two',
      nested: { ok: true, Password: '[REDACTED]' },
      token: '[REDACTED]',
    });
    expect(text()).not.toContain('hunter2');
  });

  it('logs a class instance by its own fields, not its toJSON', () => {
    class Money {
      constructor(readonly amount: number) {}
      toJSON() {
        return 'leaked-by-toJSON';
      }
    }
    const { logger, text } = captured();
    logger.info({ price: new Money(42) });
    expect((JSON.parse(text()) as { price: unknown }).price).toEqual({ amount: 42 });
  });

  it('ends a cycle as [Circular] with the rest of the object kept', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const { logger, text } = captured();
    logger.info({ loop });
    expect((JSON.parse(text()) as { loop: unknown }).loop).toEqual({
      name: 'loop',
      self: '[Circular]',
    });
  });
});

describe('createLogger redaction by name fragment', () => {
  /** Each sensitive name with a value found nowhere else. */
  const NAMES = [
    'password',
    'newPassword',
    'currentPassword',
    'NEW_PASSWORD',
    'passwd',
    'secret',
    'clientSecret',
    'client_secret',
    'token',
    'accessToken',
    'refreshToken',
    'id_token',
    'x-auth-token',
    'authorization',
    'Proxy-Authorization',
    'cookie',
    'set-cookie',
    'sessionId',
    'Session_ID',
    'apiKey',
    'api_key',
    'x-api-key',
    'privateKey',
    'private_key_pem',
    'credentials',
    'dbCredential',
  ];
  const secretValueOf = (name: string) =>
    `value-of-${name.toLowerCase().replace(/[^a-z]/g, '')}-7f3a`;
  const sensitive = () => Object.fromEntries(NAMES.map((name) => [name, secretValueOf(name)]));

  it.each([
    ['at the top', () => sensitive()],
    ['nested', () => ({ user: { profile: { settings: sensitive() } } })],
    ['in arrays', () => ({ batch: [{ ok: 1 }, sensitive(), [sensitive()]] })],
  ])('writes no value of a sensitive name %s', (_where, fields) => {
    const { logger, text } = captured();
    logger.info(fields(), 'sign-in');
    for (const name of NAMES) expect(text()).not.toContain(secretValueOf(name));
    expect(text()).toContain('[REDACTED]');
  });

  it('hides the value after each sensitive name in rawHeaders and rawTrailers, keeping the rest', () => {
    const { logger, text } = captured();
    logger.info({
      request: {
        rawHeaders: [
          'Host',
          'api.example',
          'Cookie',
          'sid=cookie-value-1',
          'X-Auth-Token',
          'header-token-2',
          'X-Api-Key',
          'header-key-3',
          'Authorization',
          'Basic dXNlcjpwYXNz',
          'Set-Cookie',
          'sid=cookie-value-4',
        ],
        rawTrailers: ['X-Session', 'trailer-session-5'],
      },
    });
    const line = JSON.parse(text()) as { request: { rawHeaders: string[]; rawTrailers: string[] } };
    expect(line.request.rawHeaders).toEqual([
      'Host',
      'api.example',
      'Cookie',
      '[REDACTED]',
      'X-Auth-Token',
      '[REDACTED]',
      'X-Api-Key',
      '[REDACTED]',
      'Authorization',
      '[REDACTED]',
      'Set-Cookie',
      '[REDACTED]',
    ]);
    expect(line.request.rawTrailers).toEqual(['X-Session', '[REDACTED]']);
    expect(text()).not.toMatch(/cookie-value|header-token|header-key|dXNlcjpwYXNz|trailer-session/);
  });

  it("keeps the log's own fields that only name a kind of token, and names that hold no fragment", () => {
    const { logger, text } = captured();
    logger.info({ tokenType: 'at+jwt', token_type: 'Bearer', requestId: 'r-1', route: '/me' });
    expect(JSON.parse(text())).toMatchObject({
      tokenType: 'at+jwt',
      token_type: 'Bearer',
      requestId: 'r-1',
      route: '/me',
    });
  });

  it('still redacts the exact names given in redactKeys, in any case', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      redactKeys: ['SSN'],
      destination: { write: (line) => lines.push(line) },
    });
    logger.info({ ssn: '078-05-1120', nested: { Ssn: '219-09-9999' } });
    expect(lines.join('')).not.toMatch(/078-05-1120|219-09-9999/);
  });
});

describe('resolveFlushInterval', () => {
  it('writes every line as it comes by default', () => {
    expect(DEFAULT_FLUSH_INTERVAL_MS).toBe(0);
    expect(resolveFlushInterval(undefined, {})).toBe(0);
  });

  it('reads LOG_FLUSH_INTERVAL_MS, and the option wins over it', () => {
    expect(resolveFlushInterval(undefined, { LOG_FLUSH_INTERVAL_MS: '250' })).toBe(250);
    expect(resolveFlushInterval(50, { LOG_FLUSH_INTERVAL_MS: '250' })).toBe(50);
  });

  it('refuses a bad LOG_FLUSH_INTERVAL_MS naming the variable', () => {
    for (const value of ['soon', '-1', '10001', '1.5']) {
      expect(() => resolveFlushInterval(undefined, { LOG_FLUSH_INTERVAL_MS: value })).toThrow(
        'LOG_FLUSH_INTERVAL_MS: must be an integer from 0 to 10000. Set LOG_FLUSH_INTERVAL_MS to such a number or unset it.',
      );
    }
  });

  it('refuses a bad flushIntervalMs naming the option', () => {
    for (const value of [-1, 1.5, 10_001, Number.NaN]) {
      expect(() => resolveFlushInterval(value, {})).toThrow(
        'flushIntervalMs: must be a whole number of milliseconds from 0 to 10000',
      );
    }
    expect(() => createLogger({ flushIntervalMs: 20_000 })).toThrow(
      'flushIntervalMs: must be a whole number of milliseconds from 0 to 10000',
    );
  });
});
