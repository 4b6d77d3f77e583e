import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/password-hash.js';

const CLI = fileURLToPath(new URL('../dist/secrets-cli.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns the built CLI with `input` piped to stdin; bounded by a kill timer. */
function cli(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

let dir: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`build the package first: ${CLI} is missing`);
  dir = await mkdtemp(join(tmpdir(), 'bulwark-secrets-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bulwark-secrets', () => {
  it('keygen, seal, unseal, reseal: round trip across a key rotation (exit 0)', async () => {
    const first = await cli(['keygen', '--ring', 'ring.keys', '--kid', 'k1']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^bulwark-seal-pub:v1:k1:[A-Za-z0-9_-]{43}\n$/);
    expect((await stat(join(dir, 'ring.keys'))).mode & 0o777).toBe(0o600);

    const sealed = await cli(['seal', '--ring', 'ring.keys'], 'redis-password-1\n');
    expect(sealed.code).toBe(0);
    expect(sealed.stdout).toMatch(/^sealed:v1:k1:[A-Za-z0-9_-]+\n$/);
    await writeFile(join(dir, 'app.env'), `REDIS_PASSWORD=${sealed.stdout}LOG_LEVEL=info\n`);

    expect(await cli(['keygen', '--ring', 'ring.keys', '--kid', 'k2'])).toMatchObject({ code: 0 });
    const unsealedOld = await cli(['unseal', '--ring', 'ring.keys'], sealed.stdout);
    expect(unsealedOld).toMatchObject({ code: 0, stdout: 'redis-password-1' });

    const resealed = await cli(['reseal', '--ring', 'ring.keys', '--in', 'app.env']);
    expect(resealed.code).toBe(0);
    expect(resealed.stderr).toBe('resealed 1 value(s) for key k2\n');
    expect(resealed.stdout).toMatch(
      /^REDIS_PASSWORD=sealed:v1:k2:[A-Za-z0-9_-]+\nLOG_LEVEL=info\n$/,
    );
    const value = resealed.stdout.split('\n')[0]?.slice('REDIS_PASSWORD='.length) ?? '';
    expect(await cli(['unseal', '--ring', 'ring.keys'], value)).toMatchObject({
      code: 0,
      stdout: 'redis-password-1',
    });
  });

  describe('keygen --ring', () => {
    const kidsIn = async (path: string) =>
      (await readFile(path, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(':')[2]);

    // Regression: read, change and rename ran without a lock, so rotations at once lost keys.
    it('loses no key when several processes rotate the same ring at once', async () => {
      await mkdir(join(dir, 'concurrent'));
      const kids = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
      const runs = await Promise.all(
        kids.map((kid) => cli(['keygen', '--ring', 'concurrent/ring.keys', '--kid', kid])),
      );
      expect(runs.map((run) => run.code)).toEqual(kids.map(() => 0));
      expect((await kidsIn(join(dir, 'concurrent', 'ring.keys'))).sort()).toEqual(kids);
      expect(existsSync(join(dir, 'concurrent', 'ring.keys.lock'))).toBe(false);
    });

    // Regression: the rename replaced a symlink with a plain file, and reset mode and owner.
    it("writes through a symlink to its target, keeping the target's mode and owner", async () => {
      await mkdir(join(dir, 'linked', 'store'), { recursive: true });
      const target = join(dir, 'linked', 'store', 'ring.keys');
      expect(await cli(['keygen', '--ring', target, '--kid', 'l1'])).toMatchObject({ code: 0 });
      await chmod(target, 0o640);
      // Only root can give a file to another user; as anyone else, the owner is the user's own.
      const owner = process.getuid?.() === 0 ? { uid: 4242, gid: 4343 } : await stat(target);
      await chown(target, owner.uid, owner.gid);
      await symlink(join('store', 'ring.keys'), join(dir, 'linked', 'ring.keys'));

      const run = await cli(['keygen', '--ring', join('linked', 'ring.keys'), '--kid', 'l2']);
      expect(run).toMatchObject({
        code: 0,
        stderr: `added key l2 at the top of ${join('linked', 'ring.keys')}\n`,
      });
      expect((await lstat(join(dir, 'linked', 'ring.keys'))).isSymbolicLink()).toBe(true);
      expect(await kidsIn(target)).toEqual(['l2', 'l1']);
      const after = await stat(target);
      expect({ mode: after.mode & 0o777, uid: after.uid, gid: after.gid }).toEqual({
        mode: 0o640,
        uid: owner.uid,
        gid: owner.gid,
      });
    });

    it('breaks the lock of a writer that has exited', async () => {
      await mkdir(join(dir, 'stale'));
      const ring = join(dir, 'stale', 'ring.keys');
      const exited = spawn(process.execPath, ['-e', '0']);
      const pid = exited.pid;
      await new Promise((resolve) => exited.on('close', resolve));
      await writeFile(`${ring}.lock`, `${pid}\n`);
      expect(await cli(['keygen', '--ring', ring, '--kid', 's1'])).toMatchObject({ code: 0 });
      expect(await kidsIn(ring)).toEqual(['s1']);
      expect(existsSync(`${ring}.lock`)).toBe(false);
    });
  });

  it('seals with a public key file alone', async () => {
    const generated = await cli(['keygen', '--out', 'solo.key', '--kid', 'solo']);
    expect(generated.code).toBe(0);
    await writeFile(join(dir, 'solo.pub'), generated.stdout);
    const sealed = await cli(['seal', '--public-key', 'solo.pub'], 'committed-value');
    expect(sealed.code).toBe(0);
    expect(await cli(['unseal', '--ring', 'solo.key'], sealed.stdout)).toMatchObject({
      code: 0,
      stdout: 'committed-value',
    });
    const again = await cli(['keygen', '--out', 'solo.key']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('solo.key already exists; it is never overwritten');
  });

  it('exits 1 with a stable code and no plaintext for a tampered value', async () => {
    await cli(['keygen', '--out', 'tamper.key', '--kid', 't']);
    const sealed = (await cli(['seal', '--ring', 'tamper.key'], 'do-not-leak-me')).stdout.trim();
    const tampered = `${sealed.slice(0, -4)}${sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const run = await cli(['unseal', '--ring', 'tamper.key'], tampered);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'bulwark-secrets: the value sealed for key "t" could not be unsealed: it was tampered with or sealed for a different key (SECRETS_DECRYPT_FAILED)\n',
    );
  });

  it('exits 2 and never echoes a secret given on the command line', async () => {
    const positional = await cli(['seal', '--ring', 'ring.keys', 'hunter2-on-argv']);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toMatch(
      /^bulwark-secrets: seal: got 1 unexpected argument\(s\): secrets are read from stdin or --in FILE/,
    );
    expect(positional.stderr).not.toContain('hunter2');

    const flag = await cli(['hash-password', '--password=hunter2-flag']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^bulwark-secrets: --password: is not an option of hash-password/);
    expect(flag.stderr).not.toContain('hunter2');
  });

  it('exits 2 naming the flag for usage errors', async () => {
    const [missing, command] = await Promise.all([cli(['unseal']), cli(['encrypt'])]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^bulwark-secrets: --ring: is required/);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/^bulwark-secrets: <command>: unknown command "encrypt"/);
  });

  it('exits 1 naming a missing file', async () => {
    const run = await cli(['unseal', '--ring', 'missing.keys'], 'sealed:v1:x:AAAA');
    expect(run).toMatchObject({
      code: 1,
      stderr: 'bulwark-secrets: cannot use missing.keys (ENOENT)\n',
    });
  });

  it('generates passwords and API keys with the chosen entropy', async () => {
    const [password, key, tooSmall] = await Promise.all([
      cli(['generate', '--bits', '256']),
      cli(['generate', '--kind', 'api-key', '--prefix', 'bk_test', '--bits', '128']),
      cli(['generate', '--bits', '16']),
    ]);
    expect(password).toMatchObject({ code: 0 });
    expect(password.stdout).toMatch(/^[A-Za-z0-9]{43}\n$/);
    expect(key).toMatchObject({ code: 0 });
    expect(key.stdout).toMatch(/^bk_test_[A-Za-z0-9_-]{22}\n$/);
    expect(tooSmall.code).toBe(1);
    expect(tooSmall.stderr).toBe(
      'bulwark-secrets: bits must be an integer from 64 to 2048 (SECRETS_INVALID_INPUT)\n',
    );
  });

  it('hashes a password from stdin with Argon2id', async () => {
    const run = await cli(['hash-password'], 'cli password\n');
    expect(run.code).toBe(0);
    const hash = run.stdout.trim();
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'cli password')).toBe(true);
    expect(await verifyPassword(hash, 'cli password\n')).toBe(false);
    expect((await cli(['hash-password'], '')).code).toBe(1);
  });

  it('prints usage with --help (exit 0)', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: bulwark-secrets <command> [options]');
    expect(await readFile(join(dir, 'ring.keys'), 'utf8')).toMatch(/^bulwark-seal-key:v1:k2:/);
  });
});
