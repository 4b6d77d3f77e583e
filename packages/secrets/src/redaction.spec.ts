import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { registeredSecretValues } from '@bulwark/core';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSecrets } from './load-secrets.js';
import type { SecretStore } from './secret-store.js';

/**
 * A real pino logger whose output passes through core's secret registry, which is what
 * @bulwark/logging reads. (@bulwark/logging was not committed when this was written; this
 * test pins the contract this package owns: every loaded and rotated value is registered.)
 */
function capturedLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const redact = (line: string): string => {
    let out = line;
    for (const value of registeredSecretValues()) {
      // Values appear JSON-escaped inside a JSON log line.
      for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
        out = out.split(form).join('[REDACTED]');
      }
    }
    return out;
  };
  const logger = pino({ base: null, timestamp: false, hooks: { streamWrite: redact } }, sink);
  return { logger, lines };
}

let dir: string;
let store: SecretStore | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-secrets-redaction-'));
});

afterEach(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('redaction of loaded secrets in captured logs', () => {
  it('hides loaded and rotated values wherever they appear in a log line', async () => {
    await writeFile(join(dir, 'REDIS_PASSWORD'), 'pa"ss\\word-from-file-1\n');
    store = await loadSecrets({
      required: ['REDIS_PASSWORD', 'API_TOKEN'],
      directories: [dir],
      env: { API_TOKEN: 'tok_env_secret_value' },
      watch: false,
    });
    const { logger, lines } = capturedLogger();

    logger.info({ url: `redis://:${store.get('REDIS_PASSWORD')}@redis:6379` }, 'connecting');
    logger.warn(`token ${store.get('API_TOKEN')} rejected upstream`);

    await writeFile(join(dir, '.tmp'), 'rotated-password-2');
    await rename(join(dir, '.tmp'), join(dir, 'REDIS_PASSWORD'));
    expect(await store.refresh()).toEqual(['REDIS_PASSWORD']);
    logger.error(
      { err: new Error(`auth failed for ${store.get('REDIS_PASSWORD')}`) },
      'redis down',
    );

    const output = lines.join('');
    expect(lines).toHaveLength(3);
    expect(output).not.toContain('word-from-file-1');
    expect(output).not.toContain('tok_env_secret_value');
    expect(output).not.toContain('rotated-password-2');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      url: 'redis://:[REDACTED]@redis:6379',
      msg: 'connecting',
    });
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ msg: 'token [REDACTED] rejected upstream' });
    expect(JSON.parse(lines[2] ?? '').err.message).toBe('auth failed for [REDACTED]');
  });
});
