import { createInterface } from 'node:readline/promises';
import { usage } from '../args.js';
import {
  ADAPTERS,
  type Adapter,
  type CliFlags,
  DATABASES,
  type Database,
  invalidNameReason,
  PACKAGE_MANAGERS,
} from '../options.js';
import { invalidKubernetesNameReason } from './kubernetes.js';

/** Whether the scaffolder may ask questions: stdin and stdout are terminals, and no `--yes`. */
export function canPrompt(flags: CliFlags): boolean {
  return !flags.yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/** Asks for what the flags left open. Only called when {@link canPrompt} is true. */
export async function promptMissing(flags: CliFlags): Promise<CliFlags> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const next = { ...flags };
    while (next.directory === undefined) {
      const answer = (await rl.question('Directory for the new service: ')).trim();
      if (answer) next.directory = answer;
    }
    if (next.name === undefined) {
      const fallback = next.directory.split('/').filter(Boolean).pop() ?? 'service';
      for (;;) {
        const answer = (await rl.question(`Package name (${fallback}): `)).trim() || fallback;
        const reason = invalidNameReason(answer) ?? invalidKubernetesNameReason(answer);
        if (!reason) {
          next.name = answer;
          break;
        }
        process.stdout.write(`  "${answer}" ${reason}\n`);
      }
    }
    if (next.adapter === undefined) {
      next.adapter = (await choose(rl, 'HTTP adapter', ADAPTERS)) as Adapter;
    }
    if (next.redis === undefined)
      next.redis = await confirm(rl, 'Use Redis for rate limiting', false);
    if (next.messaging === undefined && next.tls !== false) {
      next.messaging = await confirm(rl, 'Use RabbitMQ messaging (implies TLS)', false);
      if (next.messaging) next.tls ??= true;
    }
    if (next.tls === undefined) {
      next.tls = await confirm(rl, 'Serve TLS (mTLS) from mounted certificate files', false);
    }
    if (next.db === undefined) {
      next.db = (await choose(
        rl,
        'Database (PostgreSQL, embedded PGlite in development; or none)',
        DATABASES,
      )) as Database;
    }
    if (next.example === undefined) {
      next.example = await confirm(rl, 'Include the example notes resource', true);
    }
    if (next.packageManager === undefined) {
      next.packageManager = (await choose(rl, 'Package manager', PACKAGE_MANAGERS)) as
        | 'npm'
        | 'pnpm';
    }
    return next;
  } finally {
    rl.close();
  }
}

async function choose(
  rl: ReturnType<typeof createInterface>,
  question: string,
  options: readonly string[],
): Promise<string> {
  for (;;) {
    const answer = (
      await rl.question(`${question} (${options.join('/')}) [${options[0]}]: `)
    ).trim();
    if (answer === '') return options[0] as string;
    if (options.includes(answer)) return answer;
    process.stdout.write(`  choose one of: ${options.join(', ')}\n`);
  }
}

async function confirm(
  rl: ReturnType<typeof createInterface>,
  question: string,
  fallback: boolean,
): Promise<boolean> {
  const answer = (await rl.question(`${question}? (${fallback ? 'Y/n' : 'y/N'}) `)).trim();
  if (answer === '') return fallback;
  return /^y(es)?$/i.test(answer);
}

/** Without prompts, a missing directory is a usage error. */
export function requireDirectory(flags: CliFlags): string {
  if (flags.directory === undefined) {
    throw usage('<directory>', 'missing <directory>: create-bulwark <directory> [options]');
  }
  return flags.directory;
}
