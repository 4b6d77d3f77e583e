import { chmod, chown, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulwarkConfigError } from '@bulwark/core';
import { registeredSecretValues } from '@bulwark/core/redaction';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSealKey, KeyRing } from './key-ring.js';
import { loadSecret, loadSecrets } from './load-secrets.js';
import type { SecretStore } from './secret-store.js';
import type { SecretRotation } from './secrets-options.interface.js';

/**
 * Flips one bit in the middle of a sealed value's ciphertext. Overwriting base64url characters
 * instead can leave the decoded bytes unchanged (the last character carries padding bits), so
 * the "tampered" value would still unseal.
 */
function tamper(sealed: string): string {
  const at = sealed.lastIndexOf(':') + 1;
  const box = Buffer.from(sealed.slice(at), 'base64url');
  const middle = box.length >> 1;
  box[middle] = (box[middle] ?? 0) ^ 0x01;
  return `${sealed.slice(0, at)}${box.toString('base64url')}`;
}

/** Resolves on the next rotation of `name`; bounded so a missed event fails instead of hanging. */
function nextRotation(store: SecretStore, name: string): Promise<SecretRotation> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      stop();
      reject(new Error(`no rotation of ${name} was seen within 5 s`));
    }, 5_000);
    const stop = store.onRotate(name, (rotation) => {
      clearTimeout(timeout);
      stop();
      resolve(rotation);
    });
  });
}

/** Secret files are written readable by their owner only, as they should be mounted. */
function writeSecret(path: string, content: string): Promise<void> {
  return writeFile(path, content, { mode: 0o600 });
}

let dir: string;
let stores: SecretStore[];
let warnings: string[];

const base = () => ({
  directories: [dir],
  env: {},
  watchDebounceMs: 20,
  onWarning: (message: string) => warnings.push(message),
});

async function open(options: Parameters<typeof loadSecrets>[0]): Promise<SecretStore> {
  const store = await loadSecrets(options);
  stores.push(store);
  return store;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-secrets-'));
  stores = [];
  warnings = [];
});

afterEach(async () => {
  for (const store of stores) await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('loading', () => {
  it('prefers NAME_FILE, then a directory file, then the environment', async () => {
    const pointed = join(dir, 'elsewhere.txt');
    await writeSecret(pointed, 'from-name-file\n');
    await writeSecret(join(dir, 'REDIS_URL'), 'from-directory\n');
    await writeSecret(join(dir, 'api-token'), 'kebab-case-file');
    const store = await open({
      ...base(),
      required: ['REDIS_URL', 'API_TOKEN', 'DB_PASSWORD'],
      env: { REDIS_URL_FILE: pointed, REDIS_URL: 'from-env-1', DB_PASSWORD: 'from-env-2' },
    });
    expect(store.get('REDIS_URL')).toBe('from-name-file');
    expect(store.source('REDIS_URL')).toEqual({ kind: 'file', path: pointed, via: 'NAME_FILE' });
    expect(store.get('API_TOKEN')).toBe('kebab-case-file');
    expect(store.source('API_TOKEN')).toEqual({
      kind: 'file',
      path: join(dir, 'api-token'),
      via: 'directory',
    });
    expect(store.get('DB_PASSWORD')).toBe('from-env-2');
    expect(store.source('DB_PASSWORD')).toEqual({ kind: 'env', variable: 'DB_PASSWORD' });
    expect(warnings).toEqual([]);
  });

  it('fails start-up naming a missing required secret, never printing any value', async () => {
    await writeSecret(join(dir, 'PRESENT'), 'present-value');
    const error = await loadSecrets({ ...base(), required: ['PRESENT', 'REDIS_URL'] }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BulwarkConfigError);
    expect((error as BulwarkConfigError).setting).toBe('REDIS_URL');
    expect((error as Error).message).toBe(
      `REDIS_URL: required secret is missing: set REDIS_URL_FILE to a file path, or mount a file named REDIS_URL in ${dir}, or set the environment variable REDIS_URL.`,
    );
    expect((error as Error).message).not.toContain('present-value');
  });

  it('names NAME_FILE when it points to nothing', async () => {
    await expect(
      loadSecrets({ ...base(), required: ['X_KEY'], env: { X_KEY_FILE: join(dir, 'nope') } }),
    ).rejects.toThrow(`X_KEY_FILE: points to ${join(dir, 'nope')}, which does not exist`);
  });

  it('leaves a missing optional secret unset', async () => {
    const store = await open({ ...base(), optional: ['SENTRY_DSN'] });
    expect(store.find('SENTRY_DSN')).toBeUndefined();
    expect(() => store.get('SENTRY_DSN')).toThrow(
      expect.objectContaining({ code: 'SECRETS_NOT_SET' }),
    );
    expect(() => store.get('NEVER_DECLARED')).toThrow(
      expect.objectContaining({
        code: 'SECRETS_UNKNOWN_SECRET',
        message: 'secret NEVER_DECLARED is not declared; add it to required or optional',
      }),
    );
  });

  it('warns, without the value, when production falls back to the environment', async () => {
    const store = await open({
      ...base(),
      required: ['REDIS_URL'],
      env: { NODE_ENV: 'production', REDIS_URL: 'redis://:env-secret@x' },
    });
    expect(store.get('REDIS_URL')).toBe('redis://:env-secret@x');
    expect(warnings).toEqual([
      `secret REDIS_URL is read from the environment variable REDIS_URL; in production mount it as a file (${dir}/REDIS_URL) or set REDIS_URL_FILE`,
    ]);
  });

  it('ignores the environment when allowEnv is off', async () => {
    await expect(
      loadSecrets({ ...base(), allowEnv: false, required: ['TOKEN'], env: { TOKEN: 'abcdefgh' } }),
    ).rejects.toThrow(/^TOKEN: required secret is missing/);
  });

  it('refuses a file above maxFileBytes, naming it', async () => {
    await writeSecret(join(dir, 'BIG'), 'x'.repeat(100));
    await expect(
      loadSecrets({ ...base(), maxFileBytes: 50, required: ['BIG'] }),
    ).rejects.toMatchObject({
      code: 'SECRETS_UNREADABLE',
      message: `secret BIG: ${join(dir, 'BIG')} is 100 bytes, above maxFileBytes (50)`,
    });
  });

  it('registers every loaded value for log redaction', async () => {
    await writeSecret(join(dir, 'SIGNING_KEY'), 'registered-signing-key-1');
    await open({ ...base(), required: ['SIGNING_KEY'] });
    expect(registeredSecretValues().has('registered-signing-key-1')).toBe(true);
  });

  it('loadSecret reads one value without watching', async () => {
    await writeSecret(join(dir, 'ONE'), 'single-value\n');
    expect(await loadSecret('ONE', { directories: [dir], env: {} })).toBe('single-value');
  });

  it('validates options, naming the option', async () => {
    await expect(loadSecrets({ required: ['bad-name'] })).rejects.toThrow(
      'required: "bad-name" is not a valid secret name: use letters, digits and "_", starting with a letter or "_"',
    );
    await expect(loadSecrets({ required: ['A'], directories: ['relative'] })).rejects.toThrow(
      /^directories: must be an array of absolute paths/,
    );
    await expect(loadSecrets({})).rejects.toThrow(
      'required: list at least one secret name in required or optional',
    );
    await expect(loadSecrets({ required: ['A'], optional: ['A'] })).rejects.toThrow(
      'optional: "A" is listed twice; name each secret once, in required or in optional',
    );
  });
});

describe('sealed values', () => {
  it('unseals sealed:v1 values with the key ring named by unsealWith', async () => {
    const key = await generateSealKey({ kid: 'k1' });
    await writeSecret(join(dir, 'SEAL_KEYS'), `${key.secretKey}\n`);
    const ring = await KeyRing.parse(key.publicKey);
    const store = await open({
      ...base(),
      unsealWith: 'SEAL_KEYS',
      required: ['REDIS_URL'],
      env: { REDIS_URL: ring.seal('redis://:sealed-pass@r') },
    });
    expect(store.get('REDIS_URL')).toBe('redis://:sealed-pass@r');
    expect(registeredSecretValues().has('redis://:sealed-pass@r')).toBe(true);
  });

  it('fails start-up for a sealed value without unsealWith, and for a tampered one', async () => {
    const key = await generateSealKey({ kid: 'k1' });
    const sealed = (await KeyRing.parse(key.publicKey)).seal('v');
    await expect(
      loadSecrets({ ...base(), required: ['TOKEN'], env: { TOKEN: sealed } }),
    ).rejects.toThrow(
      'unsealWith: secret TOKEN holds a sealed value; set unsealWith to the name of the secret holding the key ring',
    );
    await writeSecret(join(dir, 'SEAL_KEYS'), key.secretKey);
    await expect(
      loadSecrets({
        ...base(),
        unsealWith: 'SEAL_KEYS',
        required: ['TOKEN'],
        env: { TOKEN: tamper(sealed) },
      }),
    ).rejects.toMatchObject({ code: 'SECRETS_DECRYPT_FAILED', message: /^secret TOKEN: / });
  });
});

describe('file permissions', () => {
  const production = { NODE_ENV: 'production', SECRETS_STRICT_PERMISSIONS: 'true' };

  it('warns at start-up, once and without the value, for a file others can read', async () => {
    await writeSecret(join(dir, 'OPEN_SECRET'), 'open-secret-value');
    await chmod(join(dir, 'OPEN_SECRET'), 0o644);
    const store = await open({ ...base(), watch: false, required: ['OPEN_SECRET'] });
    expect(store.get('OPEN_SECRET')).toBe('open-secret-value');
    await store.refresh();
    expect(warnings).toEqual([
      `secret OPEN_SECRET: ${join(dir, 'OPEN_SECRET')} is readable by others (mode 0644); chmod 0400 ${join(dir, 'OPEN_SECRET')} (on Kubernetes, defaultMode: 0400 on the secret volume). With SECRETS_STRICT_PERMISSIONS=true this stops a production start-up.`,
    ]);
  });

  it('refuses the file in production with SECRETS_STRICT_PERMISSIONS=true, naming it', async () => {
    const path = join(dir, 'pointed-secret');
    await writeSecret(path, 'strict-secret-value');
    await chmod(path, 0o604);
    const error = await loadSecrets({
      ...base(),
      required: ['STRICT_SECRET'],
      env: { ...production, STRICT_SECRET_FILE: path },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BulwarkConfigError);
    expect((error as BulwarkConfigError).setting).toBe('SECRETS_STRICT_PERMISSIONS');
    expect((error as Error).message).toBe(
      `SECRETS_STRICT_PERMISSIONS: secret STRICT_SECRET: ${path} is readable by others (mode 0604), which strictPermissions (SECRETS_STRICT_PERMISSIONS=true) refuses in production: chmod 0400 ${path} (on Kubernetes, defaultMode: 0400 on the secret volume)`,
    );
    expect((error as Error).message).not.toContain('strict-secret-value');
    // The option overrides the variable; outside production the file only warns.
    const relaxed = await open({
      ...base(),
      watch: false,
      strictPermissions: false,
      required: ['STRICT_SECRET'],
      env: { ...production, STRICT_SECRET_FILE: path },
    });
    expect(relaxed.get('STRICT_SECRET')).toBe('strict-secret-value');
    const development = await open({
      ...base(),
      watch: false,
      required: ['STRICT_SECRET'],
      env: { SECRETS_STRICT_PERMISSIONS: 'true', STRICT_SECRET_FILE: path },
    });
    expect(development.get('STRICT_SECRET')).toBe('strict-secret-value');
    expect(warnings).toHaveLength(2);
  });

  it("accepts owner-only files, and group read for the process's own group (fsGroup)", async () => {
    await writeSecret(join(dir, 'OWNER_ONLY'), 'owner-only-value');
    await writeSecret(join(dir, 'FS_GROUP'), 'fs-group-value');
    await chmod(join(dir, 'FS_GROUP'), 0o440);
    const store = await open({
      ...base(),
      watch: false,
      required: ['OWNER_ONLY', 'FS_GROUP'],
      env: production,
    });
    expect(store.get('FS_GROUP')).toBe('fs-group-value');
    expect(warnings).toEqual([]);
  });

  it('refuses group read for a group the process is not in', async () => {
    const foreign = 4242;
    const path = join(dir, 'FOREIGN_GROUP');
    await writeSecret(path, 'foreign-group-value');
    await chmod(path, 0o440);
    // Only root can give a file a group it is not in; as another user, the file keeps one of
    // the process's own groups, which is accepted.
    const isRoot = process.getuid?.() === 0;
    if (isRoot) await chown(path, 0, foreign);
    const result = await loadSecrets({
      ...base(),
      required: ['FOREIGN_GROUP'],
      env: production,
    }).then(
      async (store) => {
        await store.close();
        return 'loaded';
      },
      (error: unknown) => (error as Error).message,
    );
    expect(result).toBe(
      isRoot
        ? `SECRETS_STRICT_PERMISSIONS: secret FOREIGN_GROUP: ${path} is readable by group ${foreign} (mode 0440), which strictPermissions (SECRETS_STRICT_PERMISSIONS=true) refuses in production: chmod 0400 ${path} (on Kubernetes, defaultMode: 0400 on the secret volume)`
        : 'loaded',
    );
  });
});

describe('rotation', () => {
  it('picks up a file replaced by atomic rename', async () => {
    await writeSecret(join(dir, 'REDIS_PASSWORD'), 'first-password\n');
    const store = await open({ ...base(), required: ['REDIS_PASSWORD'] });
    const rotated = nextRotation(store, 'REDIS_PASSWORD');
    await writeSecret(join(dir, '.REDIS_PASSWORD.tmp'), 'second-password\n');
    await rename(join(dir, '.REDIS_PASSWORD.tmp'), join(dir, 'REDIS_PASSWORD'));
    const rotation = await rotated;
    expect(rotation).toEqual({
      name: 'REDIS_PASSWORD',
      value: 'second-password',
      previous: 'first-password',
      source: { kind: 'file', path: join(dir, 'REDIS_PASSWORD'), via: 'directory' },
    });
    expect(store.get('REDIS_PASSWORD')).toBe('second-password');
    expect(registeredSecretValues().has('second-password')).toBe(true);
  });

  it('picks up a Kubernetes ..data symlink swap, twice', async () => {
    // The layout kubelet's AtomicWriter produces for a secret volume.
    await mkdir(join(dir, '..2026_01_01_00_00_00.1'));
    await writeSecret(join(dir, '..2026_01_01_00_00_00.1', 'signing-key'), 'signing-key-v1');
    await symlink('..2026_01_01_00_00_00.1', join(dir, '..data'));
    await symlink(join('..data', 'signing-key'), join(dir, 'signing-key'));
    const store = await open({ ...base(), required: ['SIGNING_KEY'] });
    expect(store.get('SIGNING_KEY')).toBe('signing-key-v1');

    for (const version of [2, 3]) {
      const rotated = nextRotation(store, 'SIGNING_KEY');
      const next = `..2026_01_01_00_00_00.${version}`;
      await mkdir(join(dir, next));
      await writeSecret(join(dir, next, 'signing-key'), `signing-key-v${version}`);
      await symlink(next, join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      await rm(join(dir, `..2026_01_01_00_00_00.${version - 1}`), { recursive: true });
      expect((await rotated).value).toBe(`signing-key-v${version}`);
      expect(store.get('SIGNING_KEY')).toBe(`signing-key-v${version}`);
    }
  });

  it('notifies only for values that changed, and a throwing listener does not stop others', async () => {
    await writeSecret(join(dir, 'A_SECRET'), 'a-value-1');
    await writeSecret(join(dir, 'B_SECRET'), 'b-value-1');
    const store = await open({ ...base(), watch: false, required: ['A_SECRET', 'B_SECRET'] });
    const seen: string[] = [];
    store.onRotate('A_SECRET', () => {
      throw new Error('listener bug');
    });
    store.onRotate('A_SECRET', ({ value }) => seen.push(value));
    store.onRotate('B_SECRET', ({ value }) => seen.push(value));
    await writeSecret(join(dir, 'A_SECRET'), 'a-value-2');
    expect(await store.refresh()).toEqual(['A_SECRET']);
    expect(seen).toEqual(['a-value-2']);
    expect(warnings).toEqual(['a rotation listener for A_SECRET threw: listener bug']);
  });

  // Regression: a refresh() that arrived while another was running resolved to [] although
  // values had changed.
  it('a refresh that arrives while one is running resolves to the real change list', async () => {
    await writeSecret(join(dir, 'A_SECRET'), 'a-value-1');
    await writeSecret(join(dir, 'B_SECRET'), 'b-value-1');
    const store = await open({ ...base(), watch: false, required: ['A_SECRET', 'B_SECRET'] });
    await writeSecret(join(dir, 'B_SECRET'), 'b-value-2');
    const [first, second] = await Promise.all([store.refresh(), store.refresh()]);
    expect(first).toEqual(['B_SECRET']);
    expect(second).toEqual(['B_SECRET']);
    expect(await store.refresh()).toEqual([]);
  });

  it('keeps the previous value when a file disappears', async () => {
    await writeSecret(join(dir, 'KEEP_ME'), 'keep-value');
    const store = await open({ ...base(), watch: false, required: ['KEEP_ME'] });
    await rm(join(dir, 'KEEP_ME'));
    expect(await store.refresh()).toEqual([]);
    expect(store.get('KEEP_ME')).toBe('keep-value');
    expect(warnings).toEqual(['secret KEEP_ME is no longer found; keeping the previous value']);
  });

  it('re-unseals values when the key ring itself rotates', async () => {
    const oldKey = await generateSealKey({ kid: 'old' });
    const newKey = await generateSealKey({ kid: 'new' });
    await writeSecret(join(dir, 'SEAL_KEYS'), oldKey.secretKey);
    await writeSecret(join(dir, 'TOKEN'), (await KeyRing.parse(oldKey.publicKey)).seal('token-v1'));
    const store = await open({
      ...base(),
      watch: false,
      unsealWith: 'SEAL_KEYS',
      required: ['TOKEN'],
    });
    await writeSecret(join(dir, 'SEAL_KEYS'), `${newKey.secretKey}\n${oldKey.secretKey}`);
    await writeSecret(join(dir, 'TOKEN'), (await KeyRing.parse(newKey.publicKey)).seal('token-v2'));
    expect(await store.refresh()).toEqual(['SEAL_KEYS', 'TOKEN']);
    expect(store.get('TOKEN')).toBe('token-v2');
  });

  it('stops watching after close()', async () => {
    await writeSecret(join(dir, 'CLOSED'), 'closed-v1');
    const store = await open({ ...base(), required: ['CLOSED'] });
    const seen: string[] = [];
    store.onRotate('CLOSED', ({ value }) => seen.push(value));
    await store.close();
    await writeSecret(join(dir, 'CLOSED'), 'closed-v2');
    // A refresh after close is a no-op: nothing re-reads, nothing is notified.
    expect(await store.refresh()).toEqual([]);
    expect(store.get('CLOSED')).toBe('closed-v1');
    expect(seen).toEqual([]);
  });
});
