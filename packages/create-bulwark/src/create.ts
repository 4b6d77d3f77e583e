import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { installDependencies } from './install.js';
import type { CreateOptions } from './options.js';
import { packLocal } from './pack.js';
import { bulwarkDependencies, renderTemplate, templateDir, useVendoredPackages } from './render.js';
import { checkTarget, resolveLocal } from './validate.js';

/**
 * Generates a service. Everything is checked first; the service is rendered (and installed)
 * in a temporary folder beside the target and only then moved into place, so a failure at any
 * step leaves nothing behind.
 *
 * @example
 * ```ts
 * await createService({ directory: '/tmp/orders', name: 'orders', adapter: 'fastify', redis: false,
 *   example: true, packageManager: 'npm', install: true, local: undefined, force: false });
 * ```
 */
export async function createService(options: CreateOptions): Promise<void> {
  const template = templateDir();
  checkTarget(options.directory, options.force);
  const local =
    options.local === undefined
      ? undefined
      : resolveLocal(options.local, bulwarkDependencies(template));

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
    if (options.install) await installDependencies(staging, options.packageManager);
    place(staging, options.directory);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Moves the staged service into the target: a rename, or entry by entry into an existing folder. */
function place(staging: string, target: string): void {
  if (!existsSync(target)) {
    renameSync(staging, target);
    return;
  }
  for (const entry of readdirSync(staging)) {
    rmSync(join(target, entry), { recursive: true, force: true });
    renameSync(join(staging, entry), join(target, entry));
  }
}
