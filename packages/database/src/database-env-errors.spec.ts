import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectConfigRejection } from '@bulwark/test-harness';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { DatabaseModule } from './database.module.js';

/*
 * The database's share of the generated service's environment table (#17 item 10): each
 * DATABASE_* variable (and TLS_CA_FILE, its CA fallback) with a bad value stops the start-up of
 * an app importing DatabaseModule.forRoot() with a BulwarkConfigError that names the variable
 * first (@bulwark/service prints it as the one fatal JSON line) and says what is allowed, never
 * echoing the URL's password. @bulwark/service's own env-errors table cannot load this module.
 */
const FOLDER = mkdtempSync(join(tmpdir(), 'bulwark-db-env-'));
const write = (name: string, content: string) => {
  const path = join(FOLDER, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
};
const SECRET = 'pa55-word';
const URL_WITH_PASSWORD = `postgres://app:${SECRET}@db.internal:5432/app`;
const PLAIN_URL = 'postgres://app@db.internal:5432/app';
const PEM = write('ca.crt', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const NOT_PEM = write('not-pem', 'not a certificate\n');
const EMPTY = write('empty', '\n');
const MISSING = join(FOLDER, 'missing');

const CASES: ReadonlyArray<[variable: string, env: Record<string, string>, allowed: RegExp]> = [
  ['DATABASE_URL', { NODE_ENV: 'production' }, /required in production.*DATABASE_URL_FILE/],
  ['DATABASE_URL', { DATABASE_URL: 'db.internal:5432' }, /postgres:\/\//],
  [
    'DATABASE_URL',
    { DATABASE_URL: `mysql://app:${SECRET}@db.internal/app` },
    /postgres:\/\/ or postgresql:\/\//,
  ],
  ['DATABASE_URL', { DATABASE_URL: 'postgres://db.internal/app' }, /no user name/],
  ['DATABASE_URL', { DATABASE_URL: 'postgres://app@db.internal:0/app' }, /invalid port/],
  ['DATABASE_URL', { DATABASE_URL: 'postgres://app@db.internal:70000/app' }, /not a valid URL/],
  ['DATABASE_URL', { DATABASE_URL: `${PLAIN_URL}?sslrootcert=/ca.crt` }, /only sslmode and/],
  [
    'DATABASE_URL',
    { DATABASE_URL: `${URL_WITH_PASSWORD}?sslmode=require` },
    /sslmode=require.*Use sslmode=verify-full/,
  ],
  ['DATABASE_URL', { DATABASE_URL: `${PLAIN_URL}?sslmode=verify-ca` }, /sslmode=verify-full/],
  ['DATABASE_URL', { DATABASE_URL: `${PLAIN_URL}?sslmode=on` }, /verify-full, or disable/],
  [
    'DATABASE_URL',
    { DATABASE_URL: `${URL_WITH_PASSWORD}?sslmode=disable` },
    /not loopback.*DATABASE_ALLOW_PLAINTEXT=true/,
  ],
  [
    'DATABASE_URL_FILE',
    { DATABASE_URL: PLAIN_URL, DATABASE_URL_FILE: PEM },
    /Set only one of them/,
  ],
  ['DATABASE_URL_FILE', { DATABASE_URL_FILE: MISSING }, /cannot be read \(ENOENT\)/],
  ['DATABASE_URL_FILE', { DATABASE_URL_FILE: EMPTY }, /is empty/],
  [
    'DATABASE_URL_FILE',
    { DATABASE_URL_FILE: write('url', `https://app:${SECRET}@db.internal/app\n`) },
    /postgres:\/\/ or postgresql:\/\//,
  ],
  [
    'DATABASE_PASSWORD_FILE',
    { DATABASE_URL: PLAIN_URL, DATABASE_PASSWORD_FILE: MISSING },
    /ENOENT/,
  ],
  [
    'DATABASE_PASSWORD_FILE',
    { DATABASE_URL: PLAIN_URL, DATABASE_PASSWORD_FILE: EMPTY },
    /is empty/,
  ],
  [
    'DATABASE_PASSWORD_FILE',
    { DATABASE_URL: URL_WITH_PASSWORD, DATABASE_PASSWORD_FILE: write('pw', 'other') },
    /password in one place/,
  ],
  ['DATABASE_CA_FILE', { DATABASE_URL: PLAIN_URL, DATABASE_CA_FILE: MISSING }, /ENOENT/],
  [
    'DATABASE_CA_FILE',
    { DATABASE_URL: PLAIN_URL, DATABASE_CA_FILE: NOT_PEM },
    /no PEM certificate/,
  ],
  [
    'DATABASE_CA_FILE',
    { DATABASE_URL: 'postgres://app@127.0.0.1/app?sslmode=disable', DATABASE_CA_FILE: PEM },
    /sslmode=disable. Remove one of them/,
  ],
  ['TLS_CA_FILE', { DATABASE_URL: PLAIN_URL, TLS_CA_FILE: NOT_PEM }, /no PEM certificate/],
  [
    'DATABASE_ALLOW_PLAINTEXT',
    { DATABASE_URL: `${PLAIN_URL}?sslmode=disable`, DATABASE_ALLOW_PLAINTEXT: 'maybe' },
    /true or false/,
  ],
];

/** Starts and stops a Nest app with the database module only. */
async function startUp(env: Record<string, string>): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [DatabaseModule.forRoot({ env: { NODE_ENV: 'development', ...env } })],
  }).compile();
  await moduleRef.init();
  await moduleRef.close();
}

describe('each DATABASE_* variable with a bad value', () => {
  it.each(CASES)(
    '%s (%j) stops the start-up, naming the variable',
    async (variable, env, allowed) => {
      const { message } = await expectConfigRejection(() => startUp(env), {
        setting: variable,
        message: allowed,
        omits: SECRET,
      });
      expect(message.startsWith(`${variable}: `), message).toBe(true);
    },
  );

  it('covers every DATABASE_* variable the generated service documents', () => {
    const template = fileURLToPath(new URL('../../../templates/service/', import.meta.url));
    const documented = new Set(
      ['_env.example', 'README.md'].flatMap((name) =>
        [...readFileSync(join(template, name), 'utf8').matchAll(/\bDATABASE_[A-Z_]+\b/g)].map(
          (match) => match[0],
        ),
      ),
    );
    expect(documented.size).toBeGreaterThanOrEqual(5);
    expect(
      [...documented].filter((name) => !CASES.some(([variable]) => variable === name)),
    ).toEqual([]);
  });
});
