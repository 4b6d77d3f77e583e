/** The HTTP adapters a service can be generated for. */
export const ADAPTERS = ['fastify', 'express'] as const;
/** An HTTP adapter. */
export type Adapter = (typeof ADAPTERS)[number];

/** The data layers a service can be generated with. */
export const DATABASES = ['postgres', 'none'] as const;
/**
 * A data layer: `postgres` is `@bulwark/database` (PostgreSQL in production, embedded PGlite
 * outside it), `none` keeps the notes in memory.
 */
export type Database = (typeof DATABASES)[number];

/** The package managers the scaffolder installs with. */
export const PACKAGE_MANAGERS = ['npm', 'pnpm'] as const;
/** A package manager. */
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/** The flags as given on the command line; anything not given is `undefined`. */
export interface CliFlags {
  directory?: string;
  name?: string;
  adapter?: Adapter;
  redis?: boolean;
  tls?: boolean;
  messaging?: boolean;
  db?: Database;
  example?: boolean;
  packageManager?: PackageManager;
  install?: boolean;
  local?: string;
  yes: boolean;
  force: boolean;
  help: boolean;
  version: boolean;
}

/** Everything the scaffolder needs, complete and validated. */
export interface CreateOptions {
  /** The absolute target directory. */
  directory: string;
  /** The package name, valid for npm. */
  name: string;
  /** @default 'fastify' */
  adapter: Adapter;
  /** @default false */
  redis: boolean;
  /**
   * TLS (and mTLS) on the main listener from the mounted `service-tls` Secret, HTTPS probes, the
   * Service port named `https`, and an optional cert-manager `Certificate`.
   * @default false
   */
  tls: boolean;
  /**
   * `@bulwark/messaging` wired (when `AMQP_URL` is set, and required in production), and
   * `deploy/rabbitmq/` with TLS-only, least-privilege broker definitions. The service
   * authenticates to the broker with its certificate, so it implies `tls`.
   * @default false
   */
  messaging: boolean;
  /**
   * `postgres`: `@bulwark/database` wired, the notes in a table (with `example`), migrations/,
   * `npm run migrate`, deploy/sql/roles.sql, the migration Job, the credentials Secret mount and
   * the egress rule to the database. Embedded PGlite needs no server outside production.
   * `none`: the notes in memory, and none of the above.
   * @default 'postgres'
   */
  db: Database;
  /** @default true */
  example: boolean;
  /** @default 'npm' */
  packageManager: PackageManager;
  /** @default true */
  install: boolean;
  /** An absolute path to a Bulwark checkout or a folder of `@bulwark/*` tarballs. */
  local: string | undefined;
  /** @default false */
  force: boolean;
}

const NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/**
 * Checks an npm package name (npm's rules for new packages). Returns the reason it is invalid,
 * or `undefined` when it is valid.
 *
 * @example
 * ```ts
 * invalidNameReason('My-Service'); // 'has upper-case letters'
 * invalidNameReason('@acme/notes'); // undefined
 * ```
 */
export function invalidNameReason(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 214) return 'is longer than 214 characters';
  if (name !== name.toLowerCase()) return 'has upper-case letters';
  if (name.trim() !== name) return 'has leading or trailing spaces';
  if (/^[._]/.test(name)) return 'starts with "." or "_"';
  if (['node_modules', 'favicon.ico'].includes(name)) return 'is a reserved name';
  if (!NAME.test(name)) return 'may only hold a-z, 0-9, "-", ".", "_", "~" and one "@scope/"';
  return undefined;
}
