import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, USAGE } from './args.js';
import { createService } from './create.js';
import { CreateBulwarkError } from './create-bulwark.error.js';
import { canPrompt, promptMissing, requireDirectory } from './internal/prompt.js';
import { nextSteps } from './internal/report.js';
import { resolveName } from './internal/validate.js';
import type { CreateOptions } from './options.js';

/**
 * Runs the CLI with the given arguments and returns the exit code: 0 on success, 2 on a usage
 * error (the message names the flag), 1 otherwise. Never calls `process.exit`.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    let flags = parseArgs(argv);
    if (flags.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (flags.version) {
      const manifest = new URL('../package.json', import.meta.url);
      process.stdout.write(`${JSON.parse(readFileSync(manifest, 'utf8')).version}\n`);
      return 0;
    }
    if (canPrompt(flags)) flags = await promptMissing(flags);
    const directory = resolve(requireDirectory(flags));
    const options: CreateOptions = {
      directory,
      name: resolveName(directory, flags.name),
      adapter: flags.adapter ?? 'fastify',
      redis: flags.redis ?? false,
      tls: flags.tls ?? flags.messaging ?? false,
      messaging: flags.messaging ?? false,
      db: flags.db ?? 'postgres',
      example: flags.example ?? true,
      packageManager: flags.packageManager ?? 'npm',
      install: flags.install ?? true,
      local: flags.local === undefined ? undefined : resolve(flags.local),
      force: flags.force,
    };
    const result = await createService(options);
    process.stdout.write(nextSteps(options, result));
    return 0;
  } catch (error) {
    if (error instanceof CreateBulwarkError) {
      process.stderr.write(`create-bulwark: ${error.message}\n`);
      if (error.exitCode === 2) process.stderr.write('Run create-bulwark --help for usage.\n');
      return error.exitCode;
    }
    process.stderr.write(`create-bulwark: unexpected failure: ${(error as Error).message}\n`);
    return 1;
  }
}
