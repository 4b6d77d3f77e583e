import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER } from './auth.constants.js';
import { mintDevToken } from './exports/dev.js';
import { TokenVerifier } from './exports/verifier.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'dev-token.cli.js');

describe('the development issuer', () => {
  let folder: string;
  let directory: string;
  let verifier: TokenVerifier;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'bulwark-dev-'));
    directory = join(folder, '.bulwark', 'dev-issuer');
    verifier = new TokenVerifier({ devIssuer: { directory }, production: false });
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('creates a private, git-ignored ES256 key pair and verifies its tokens', async () => {
    const token = await mintDevToken({
      sub: 'alice',
      scopes: ['a', 'b'],
      roles: ['admin'],
      ttl: 60,
      directory,
    });
    const principal = await verifier.verify(token);
    expect(principal).toMatchObject({
      id: `${DEV_ISSUER}|alice`,
      scopes: ['a', 'b'],
      roles: ['admin'],
      claims: { aud: DEV_AUDIENCE },
    });
    expect(await readFile(join(directory, '.gitignore'), 'utf8')).toBe('*\n');
    expect((await stat(join(directory, 'es256.private.jwk.json'))).mode & 0o077).toBe(0);
  });

  it('keeps one key across concurrent first uses', async () => {
    const other = join(folder, 'race');
    const tokens = await Promise.all([1, 2, 3, 4].map(() => mintDevToken({ directory: other })));
    const check = new TokenVerifier({ devIssuer: { directory: other }, production: false });
    for (const token of tokens) expect((await check.verify(token)).subject).toBe('dev-user');
  });

  it('mints from the CLI', () => {
    const run = spawnSync(
      process.execPath,
      [
        cli,
        '--sub',
        'carol',
        '--scope',
        'notes:read notes:write',
        '--role',
        'admin',
        '--dir',
        directory,
      ],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(0);
    return verifier.verify(run.stdout.trim()).then((principal) => {
      expect(principal).toMatchObject({
        subject: 'carol',
        scopes: ['notes:read', 'notes:write'],
        roles: ['admin'],
      });
    });
  });

  it('exits 2 on a usage error, naming the flag', () => {
    const run = spawnSync(process.execPath, [cli, '--ttl', 'soon', '--dir', directory], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--ttl must be a positive whole number of seconds');
    expect(spawnSync(process.execPath, [cli, '--bogus'], { encoding: 'utf8' }).status).toBe(2);
  });

  it('is refused in production', () => {
    expect(() => new TokenVerifier({ production: true })).toThrow(/AUTH_JWKS_URL/);
  });
});
