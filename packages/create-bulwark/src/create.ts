import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { installDependencies } from './internal/install.js';
import { packLocal } from './internal/pack.js';
import { installBlockers, place } from './internal/place.js';
import {
  bulwarkDependencies,
  renderTemplate,
  templateDir,
  useVendoredPackages,
} from './internal/render.js';
import { checkTarget, resolveLocal } from './internal/validate.js';
import type { CreateOptions } from './options.js';

/** What {@link createService} did. */
export interface CreateResult {
  /**
   * Files of the service that already existed in the target (`--force`) and were left exactly
   * as they were, as `/`-separated paths relative to the target, sorted. Empty for a new or
   * empty target.
   */
  readonly kept: readonly string[];
  /**
   * Whether dependencies were installed. `false` with `install: false`, and when the target
   * already had a `package.json`, `node_modules` or a lockfile (see {@link skippedInstall}).
   */
  readonly installed: boolean;
  /**
   * When `install` was asked for but skipped: the entries of the target that stopped it
   * (`package.json`, `node_modules`, `package-lock.json`, `pnpm-lock.yaml`). Installing the
   * template's dependencies beside them would leave a `node_modules` or lockfile that does not
   * match the project's own `package.json`.
   */
  readonly skippedInstall: readonly string[];
}

/**
 * Generates a service. Everything is checked first; the service is rendered (and installed)
 * in a temporary folder beside the target and only then moved into place, so a failure at any
 * step leaves nothing behind.
 *
 * Into a non-empty folder (`force: true`) it never deletes or overwrites anything: only files
 * whose path is free are written, and the others are returned in {@link CreateResult.kept}.
 *
 * @example
 * ```ts
 * const { kept } = await createService({ directory: '/tmp/orders', name: 'orders',
 *   adapter: 'fastify', redis: false, tls: false, messaging: false, db: 'postgres', example: true, packageManager: 'npm', install: true,
 *   local: undefined, force: false });
 * ```
 */
export async function createService(options: CreateOptions): Promise<CreateResult> {
  const template = templateDir();
  checkTarget(options.directory, options.force);
  const skippedInstall = options.install ? installBlockers(options.directory) : [];
  const install = options.install && skippedInstall.length === 0;
  const local =
    options.local === undefined
      ? undefined
      : resolveLocal(
          options.local,
          // @bulwark/messaging is in the template's manifest for --messaging only,
          // @bulwark/database for --db postgres only.
          bulwarkDependencies(template).filter(
            (name) =>
              (options.messaging || name !== '@bulwark/messaging') &&
              (options.db === 'postgres' || name !== '@bulwark/database'),
          ),
        );

  const parent = dirname(options.directory);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, '.create-bulwark-'));
  // mkdtemp creates 0700; the service folder gets the usual permissions.
  chmodSync(staging, 0o755 & ~process.umask());
  try {
    renderTemplate(staging, options, template);
    if (local !== undefined) {
      const tarballs = await packLocal(local, join(staging, 'vendor'));
      useVendoredPackages(staging, tarballs, options.packageManager);
    }
    if (install) await installDependencies(staging, options.packageManager);
    const kept = place(staging, options.directory);
    return { kept, installed: install, skippedInstall };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
