#!/usr/bin/env node
import { CliUsageError, parseCli, USAGE } from './internal/cli-args.js';
import { SecretsError } from './secrets.error.js';

/** Entry point of `bulwark-secrets`: exit 0 on success, 2 on a usage error, 1 otherwise. */
async function main(argv: readonly string[]): Promise<number> {
  try {
    const command = parseCli(argv);
    // Loaded after parsing, so a usage error does not pay for starting libsodium's WebAssembly.
    const { runCommand } = await import('./internal/cli-commands.js');
    await runCommand(command, {
      stdin: process.stdin,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
    return 0;
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`bulwark-secrets: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof SecretsError) {
      process.stderr.write(`bulwark-secrets: ${error.message} (${error.code})\n`);
      return 1;
    }
    const code = (error as { code?: unknown }).code;
    const path = (error as { path?: unknown }).path;
    if (typeof code === 'string' && typeof path === 'string') {
      // File-system errors: say which file and why, without a stack trace.
      process.stderr.write(`bulwark-secrets: cannot use ${path} (${code})\n`);
      return 1;
    }
    process.stderr.write(
      `bulwark-secrets: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
