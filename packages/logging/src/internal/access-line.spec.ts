import { registerSecretValue } from '@bulwark/core/redaction';
import { setLogCorrelation } from '@bulwark/core/request';
import { UNMATCHED_ROUTE } from '@bulwark/core/routes';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../create-logger.js';
import { type AccessFields, accessLineWriter } from './access-line.js';

const TOKEN =
  'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

function capture(base: Record<string, string> = { service: 'notes' }) {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    base,
    destination: { write: (line) => lines.push(line) },
  });
  return { logger, lines };
}

/** The line pino writes for these fields through the generic path (formatters, walk, scrub). */
function generic(logger: ReturnType<typeof createLogger>, fields: AccessFields): void {
  logger.info(
    {
      event: { kind: 'http.access', category: 'access' },
      requestId: fields.requestId,
      method: fields.method,
      route: fields.route,
      status: fields.status,
      durationMs: fields.durationMs,
      principalId: fields.principalId,
      ...(fields.aborted ? { aborted: true } : {}),
    },
    'request completed',
  );
}

const PLAIN: AccessFields = {
  requestId: 'req-1',
  method: 'GET',
  route: '/v1/notes/:id',
  status: 200,
  durationMs: 1.234,
  principalId: 'https://idp.example|alice',
  aborted: false,
};

describe('the access line written directly', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-06T08:00:00.123Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
    setLogCorrelation(undefined);
  });

  const cases: Array<[string, Partial<AccessFields>]> = [
    ['plain fields', {}],
    ['no principal', { principalId: undefined }],
    ['an abandoned request', { aborted: true, status: 499 }],
    ['the unmatched route', { route: UNMATCHED_ROUTE, status: 404 }],
    ['a whole-number duration', { durationMs: 7 }],
    ['a principal with quotes, a line break and U+2028', { principalId: 'a"b\nc\u2028d\u2029' }],
    ['a principal holding a token', { principalId: `iss|${TOKEN}` }],
    ['a token-shaped request id', { requestId: TOKEN }],
    ['a request id set with quotes and a line break', { requestId: 'a"b\nc' }],
    ['a method outside the known ones', { method: 'PURGE' }],
    ['a long principal', { principalId: 'p'.repeat(5000) }],
  ];

  it.each(cases)('is byte for byte the line pino writes: %s', (_name, change) => {
    const { logger, lines } = capture();
    const fields = { ...PLAIN, ...change };
    accessLineWriter(logger)(fields);
    generic(logger, fields);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(lines[1]);
    expect(() => JSON.parse(lines[0] as string)).not.toThrow();
    expect(JSON.parse(lines[0] as string).route).toBe(fields.route);
  });

  it('is byte for byte the line pino writes with correlation fields', () => {
    setLogCorrelation(() => ({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
    }));
    const { logger, lines } = capture();
    accessLineWriter(logger)(PLAIN);
    generic(logger, PLAIN);
    expect(lines[0]).toContain('"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"');
    expect(lines[0]).toBe(lines[1]);
  });

  it('hides a secret registered after the first line, in the bindings, route and principal', () => {
    const secret = 'late-secret-in-the-access-line';
    const { logger, lines } = capture({ service: `notes-${secret}` });
    const write = accessLineWriter(logger);
    const fields = { ...PLAIN, route: `/v1/${secret}`, principalId: `iss|${secret}` };
    write(fields);
    write(fields);
    expect(lines[1]).toContain(`"principalId":"iss|${secret}"`);
    lines.splice(0, 1);
    registerSecretValue(secret);
    write(fields);
    generic(logger, fields);
    expect(lines[1]).not.toContain(secret);
    expect(lines[1]).toBe(lines[2]);
  });

  it.each([['principalId'], ['route'], ['requestId'], ['trace_id']])(
    'hides an access field named in redactKeys (%s), as the generic path does',
    (key) => {
      setLogCorrelation(() => ({
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        span_id: '00f067aa0ba902b7',
      }));
      const lines: string[] = [];
      const logger = createLogger({
        redactKeys: [key],
        destination: { write: (line) => lines.push(line) },
      });
      accessLineWriter(logger)(PLAIN);
      generic(logger, PLAIN);
      expect(lines[0]).toContain(`"${key}":"[REDACTED]"`);
      expect(lines[0]).toBe(lines[1]);
    },
  );

  it('reaches only the streams of its level through pino.multistream', () => {
    const infos: string[] = [];
    const errors: string[] = [];
    const logger = createLogger({
      destination: pino.multistream([
        { level: 'info', stream: { write: (line: string) => infos.push(line) } },
        { level: 'error', stream: { write: (line: string) => errors.push(line) } },
      ]),
    });
    logger.error('an error line first');
    accessLineWriter(logger)(PLAIN);
    expect(errors).toHaveLength(1);
    expect(infos).toHaveLength(2);
    expect(JSON.parse(infos[1] as string)).toMatchObject({ msg: 'request completed' });
  });

  it('writes a cached principal the same way on every line, and scrubs it once registered', () => {
    const secret = 'principal-secret-registered-late';
    const { logger, lines } = capture();
    const write = accessLineWriter(logger);
    const fields = { ...PLAIN, principalId: `iss|${secret}` };
    write(fields);
    write(fields);
    expect(lines[0]).toBe(lines[1]);
    registerSecretValue(secret);
    write(fields);
    generic(logger, fields);
    expect(lines[2]).not.toContain(secret);
    expect(lines[2]).toBe(lines[3]);
  });

  it('writes nothing when info lines are off', () => {
    const { logger, lines } = capture();
    logger.level = 'warn';
    accessLineWriter(logger)(PLAIN);
    expect(lines).toEqual([]);
  });

  it('falls back to logger.info for a logger createLogger did not make', () => {
    const lines: string[] = [];
    const logger = pino(
      { base: undefined, timestamp: false },
      { write: (l: string) => lines.push(l) },
    );
    accessLineWriter(logger)({ ...PLAIN, aborted: true });
    expect(JSON.parse(lines[0] as string)).toEqual({
      level: 30,
      event: { kind: 'http.access', category: 'access' },
      requestId: 'req-1',
      method: 'GET',
      route: '/v1/notes/:id',
      status: 200,
      durationMs: 1.234,
      principalId: 'https://idp.example|alice',
      aborted: true,
      msg: 'request completed',
    });
  });
});
