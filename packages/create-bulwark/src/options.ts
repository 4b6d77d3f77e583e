/** The HTTP adapters a service can be generated for. */
export const ADAPTERS = ['fastify', 'express'] as const;
/** An HTTP adapter. */
export type Adapter = (typeof ADAPTERS)[number];

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
