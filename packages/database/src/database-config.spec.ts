import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectConfigError } from '@bulwark/test-harness';
import { describe, expect, it } from 'vitest';
import { resolveDatabaseConfig } from './database-config.js';

const dir = mkdtempSync(join(tmpdir(), 'bulwark-db-config-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function refusal(env: Record<string, string>): { setting: string; message: string } {
  const { setting, message } = expectConfigError(() => resolveDatabaseConfig({ env }));
  return { setting, message };
}

describe('resolveDatabaseConfig', () => {
  describe('when DATABASE_URL is unset', () => {
    it('refuses production, naming the variable', () => {
      expect(refusal({ NODE_ENV: 'production' })).toEqual({
        setting: 'DATABASE_URL',
        message:
          'DATABASE_URL: is required in production (embedded PGlite is for development and tests only). Set DATABASE_URL or DATABASE_URL_FILE.',
      });
    });

    it('uses embedded PGlite under .data/pglite outside production', () => {
      expect(resolveDatabaseConfig({ env: {} })).toEqual({
        engine: 'pglite',
        directory: '.data/pglite',
      });
    });

    it("uses an in-memory PGlite with embedded: 'memory'", () => {
      expect(resolveDatabaseConfig({ env: { NODE_ENV: 'test' }, embedded: 'memory' })).toEqual({
        engine: 'pglite',
        directory: undefined,
      });
    });
  });

  describe('when DATABASE_URL is set', () => {
    it('verifies the full chain and host name by default, with the system store', () => {
      expect(
        resolveDatabaseConfig({
          env: { NODE_ENV: 'production', DATABASE_URL: 'postgres://app:s3cret@db.internal/notes' },
        }),
      ).toEqual({
        engine: 'postgres',
        host: 'db.internal',
        port: 5432,
        user: 'app',
        database: 'notes',
        password: 's3cret',
        passwordFile: undefined,
        tls: { ca: undefined, caSource: 'system' },
        applicationName: undefined,
      });
    });

    it('takes the CA from DATABASE_CA_FILE', () => {
      const ca = file('ca.pem', PEM);
      const config = resolveDatabaseConfig({
        env: {
          DATABASE_URL: 'postgresql://app@db:6432/notes?sslmode=verify-full',
          DATABASE_CA_FILE: ca,
        },
      });
      expect(config).toMatchObject({ port: 6432, tls: { ca: PEM.trim(), caSource: ca } });
    });

    it('falls back to TLS_CA_FILE, and DATABASE_CA_FILE wins over it', () => {
      const shared = file('shared-ca.pem', PEM);
      const own = file('own-ca.pem', PEM);
      expect(
        resolveDatabaseConfig({
          env: { DATABASE_URL: 'postgres://app@db/notes', TLS_CA_FILE: shared },
        }),
      ).toMatchObject({
        tls: { caSource: shared },
      });
      expect(
        resolveDatabaseConfig({
          env: {
            DATABASE_URL: 'postgres://app@db/notes',
            TLS_CA_FILE: shared,
            DATABASE_CA_FILE: own,
          },
        }),
      ).toMatchObject({ tls: { caSource: own } });
      expect(
        refusal({ DATABASE_URL: 'postgres://app@db/notes', TLS_CA_FILE: file('bad-shared', 'x') })
          .setting,
      ).toBe('TLS_CA_FILE');
      expect(
        resolveDatabaseConfig({
          env: {
            DATABASE_URL: 'postgres://app@127.0.0.1/notes?sslmode=disable',
            TLS_CA_FILE: shared,
          },
        }),
      ).toMatchObject({ tls: false });
    });

    it.each(['require', 'prefer', 'allow'])(
      'refuses sslmode=%s, which does not check the certificate',
      (mode) => {
        expect(refusal({ DATABASE_URL: `postgres://app:pw@db/notes?sslmode=${mode}` })).toEqual({
          setting: 'DATABASE_URL',
          message: `DATABASE_URL: sets sslmode=${mode}, which does not verify the server's host name or certificate. Use sslmode=verify-full (the default when sslmode is absent), with DATABASE_CA_FILE for a private CA.`,
        });
      },
    );

    it('refuses sslmode=verify-ca, which does not check the host name', () => {
      expect(refusal({ DATABASE_URL: 'postgres://app@db/notes?sslmode=verify-ca' }).message).toBe(
        "DATABASE_URL: sets sslmode=verify-ca, which does not verify the server's host name. Use sslmode=verify-full (the default when sslmode is absent), with DATABASE_CA_FILE for a private CA.",
      );
    });

    it('refuses sslmode=disable to a host that is not loopback, never printing the password', () => {
      const { setting, message } = refusal({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://app:hunter2@10.0.0.5/notes?sslmode=disable',
      });
      expect(setting).toBe('DATABASE_URL');
      expect(message).toBe(
        'DATABASE_URL: sets sslmode=disable for a host that is not loopback: the password and data would cross the network unencrypted. Remove sslmode (verify-full is the default), or set DATABASE_ALLOW_PLAINTEXT=true when a mesh encrypts the hop.',
      );
      expect(message).not.toContain('hunter2');
    });

    it('allows sslmode=disable to a non-loopback host with DATABASE_ALLOW_PLAINTEXT=true', () => {
      const config = resolveDatabaseConfig({
        env: {
          NODE_ENV: 'production',
          DATABASE_URL: 'postgres://app@db/notes?sslmode=disable',
          DATABASE_ALLOW_PLAINTEXT: 'true',
        },
      });
      expect(config).toMatchObject({ engine: 'postgres', tls: false });
    });

    it.each(['127.0.0.1', 'localhost', '[::1]', '127.8.9.10'])(
      'allows sslmode=disable to loopback %s, in production too',
      (host) => {
        const config = resolveDatabaseConfig({
          env: {
            NODE_ENV: 'production',
            DATABASE_URL: `postgres://app@${host}/notes?sslmode=disable`,
          },
        });
        expect(config).toMatchObject({ tls: false });
      },
    );

    it('refuses an unknown DATABASE_ALLOW_PLAINTEXT value, naming it', () => {
      expect(
        refusal({ DATABASE_URL: 'postgres://app@db/notes', DATABASE_ALLOW_PLAINTEXT: 'maybe' })
          .message,
      ).toBe(
        'DATABASE_ALLOW_PLAINTEXT: must be true or false. Set DATABASE_ALLOW_PLAINTEXT=true or DATABASE_ALLOW_PLAINTEXT=false.',
      );
    });

    it('refuses a URL that is not postgres://, without echoing it', () => {
      const { message } = refusal({ DATABASE_URL: 'mysql://root:toor@db/x' });
      expect(message).toBe(
        'DATABASE_URL: must start with postgres:// or postgresql:// (found mysql://).',
      );
    });

    it('refuses connection parameters other than sslmode and application_name', () => {
      expect(
        refusal({ DATABASE_URL: 'postgres://app@db/notes?sslrootcert=/tmp/ca.pem' }).message,
      ).toBe(
        'DATABASE_URL: has the parameter sslrootcert, which is not supported: only sslmode and application_name are (the CA comes from DATABASE_CA_FILE, the password from the URL or DATABASE_PASSWORD_FILE).',
      );
    });
  });

  describe('when the settings come from files', () => {
    it('reads DATABASE_URL_FILE and DATABASE_PASSWORD_FILE', () => {
      const config = resolveDatabaseConfig({
        env: {
          DATABASE_URL_FILE: file('url', 'postgres://app@db/notes\n'),
          DATABASE_PASSWORD_FILE: file('password', 'from-file\n'),
        },
      });
      expect(config).toMatchObject({
        host: 'db',
        password: 'from-file',
        passwordFile: join(dir, 'password'),
      });
    });

    it('refuses DATABASE_URL and DATABASE_URL_FILE together', () => {
      expect(
        refusal({
          DATABASE_URL: 'postgres://app@db/notes',
          DATABASE_URL_FILE: file('url2', 'postgres://app@db/notes'),
        }).message,
      ).toBe('DATABASE_URL_FILE: is set together with DATABASE_URL. Set only one of them.');
    });

    it('refuses a password in both the URL and DATABASE_PASSWORD_FILE', () => {
      expect(
        refusal({
          DATABASE_URL: 'postgres://app:pw@db/notes',
          DATABASE_PASSWORD_FILE: file('pw2', 'x'),
        }).message,
      ).toBe(
        'DATABASE_PASSWORD_FILE: is set but the URL in DATABASE_URL holds a password too. Keep the password in one place.',
      );
    });

    it('names the variable of a file that cannot be read', () => {
      expect(
        refusal({
          DATABASE_URL: 'postgres://app@db/notes',
          DATABASE_PASSWORD_FILE: join(dir, 'missing'),
        }).message,
      ).toBe(
        `DATABASE_PASSWORD_FILE: the file ${join(dir, 'missing')} cannot be read (ENOENT). Mount it or unset DATABASE_PASSWORD_FILE.`,
      );
    });

    it('refuses a DATABASE_CA_FILE without a PEM certificate', () => {
      const path = file('not-a-ca', 'hello');
      expect(
        refusal({ DATABASE_URL: 'postgres://app@db/notes', DATABASE_CA_FILE: path }).message,
      ).toBe(
        `DATABASE_CA_FILE: the file ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`,
      );
    });
  });
});
