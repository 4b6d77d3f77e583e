import { parseArgs } from 'node:util';

/** A usage error: exit code 2, the message names the flag. */
export class CliUsageError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'CliUsageError';
  }
}

export type CliCommand =
  | { name: 'help' }
  | { name: 'keygen'; type: 'seal' | 'aead'; kid?: string; out?: string; ring?: string }
  | { name: 'seal'; ring?: string; publicKey?: string; in?: string }
  | { name: 'unseal'; ring: string; in?: string }
  | { name: 'reseal'; ring: string; in?: string; out?: string }
  | {
      name: 'generate';
      kind: 'password' | 'api-key';
      bits?: number;
      symbols: boolean;
      prefix?: string;
    }
  | { name: 'hash-password'; profile: 'interactive' | 'moderate' | 'sensitive'; in?: string };

export const USAGE = `Usage: bulwark-secrets <command> [options]

Secrets are read from stdin or --in FILE, never from the command line.

Commands:
  keygen [--type seal|aead] [--kid ID] [--out FILE | --ring FILE]
      New key. --out writes it to a new file (mode 0600); --ring puts it at the top of a
      key-ring file, making it the newest key: under a lock (FILE.lock), through a symlink
      to its target, keeping the file's mode and owner. Without either, the key goes to stdout.
      For seal keys the public key is printed on stdout (stderr when the key goes to stdout).
  seal (--ring FILE | --public-key FILE) [--in FILE]
      Seal the plaintext for the newest key: prints sealed:v1:<kid>:<base64url>.
  unseal --ring FILE [--in FILE]
      Print the plaintext of a sealed value.
  reseal --ring FILE [--in FILE] [--out FILE]
      Re-seal every sealed:v1 value in a text (an env or YAML file) for the newest key.
  generate [--kind password|api-key] [--bits N] [--symbols] [--prefix P]
      Random password (default 128 bits) or API key (default 256 bits) from the CSPRNG.
  hash-password [--profile interactive|moderate|sensitive] [--in FILE]
      Argon2id hash (PHC string) of the password on stdin.

Exit codes: 0 success, 2 usage error, 1 any other error.
`;

type Values = Record<string, string | boolean | undefined>;

const OPTIONS = {
  keygen: {
    type: { type: 'string' },
    kid: { type: 'string' },
    out: { type: 'string' },
    ring: { type: 'string' },
  },
  seal: { ring: { type: 'string' }, 'public-key': { type: 'string' }, in: { type: 'string' } },
  unseal: { ring: { type: 'string' }, in: { type: 'string' } },
  reseal: { ring: { type: 'string' }, in: { type: 'string' }, out: { type: 'string' } },
  generate: {
    kind: { type: 'string' },
    bits: { type: 'string' },
    symbols: { type: 'boolean' },
    prefix: { type: 'string' },
  },
  'hash-password': { profile: { type: 'string' }, in: { type: 'string' } },
} as const;

type CommandName = keyof typeof OPTIONS;

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(OPTIONS, name);
}

function str(values: Values, flag: string): string | undefined {
  const value = values[flag];
  if (typeof value !== 'string') return undefined;
  if (value === '') throw new CliUsageError(`--${flag}`, 'must not be empty');
  return value;
}

function oneOf<T extends string>(
  values: Values,
  flag: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = str(values, flag) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new CliUsageError(`--${flag}`, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function required(values: Values, flag: string, what: string): string {
  const value = str(values, flag);
  if (value === undefined) throw new CliUsageError(`--${flag}`, `is required: ${what}`);
  return value;
}

/** Parses `argv` (without node and the script) into a command, or throws `CliUsageError`. */
export function parseCli(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { name: 'help' };
  }
  if (!isCommand(command)) {
    throw new CliUsageError(
      '<command>',
      `unknown command "${command}"; use one of ${Object.keys(OPTIONS).join(', ')}`,
    );
  }
  let values: Values;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: [...rest],
      options: { ...OPTIONS[command], help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
    values = parsed.values as Values;
    positionals = parsed.positionals;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    const flag = (/'(-{1,2}[A-Za-z0-9-]+)/.exec(message)?.[1] ?? command).split('=')[0] ?? command;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new CliUsageError(flag, `is not an option of ${command}; run bulwark-secrets --help`);
    }
    if (/argument missing/.test(message)) throw new CliUsageError(flag, 'needs a value');
    if (/does not take an argument/.test(message)) throw new CliUsageError(flag, 'takes no value');
    throw new CliUsageError(flag, `is invalid for ${command}`);
  }
  if (values.help) return { name: 'help' };
  if (positionals.length > 0) {
    // Arguments end up in shell history and `ps` output, so values are never taken from them.
    throw new CliUsageError(
      command,
      `got ${positionals.length} unexpected argument(s): secrets are read from stdin or --in FILE, never from the command line`,
    );
  }
  switch (command) {
    case 'keygen': {
      const out = str(values, 'out');
      const ring = str(values, 'ring');
      if (out !== undefined && ring !== undefined) {
        throw new CliUsageError('--out', 'cannot be combined with --ring; pick one');
      }
      return {
        name: 'keygen',
        type: oneOf(values, 'type', ['seal', 'aead'], 'seal'),
        ...(str(values, 'kid') !== undefined && { kid: str(values, 'kid') }),
        ...(out !== undefined && { out }),
        ...(ring !== undefined && { ring }),
      };
    }
    case 'seal': {
      const ring = str(values, 'ring');
      const publicKey = str(values, 'public-key');
      if ((ring === undefined) === (publicKey === undefined)) {
        throw new CliUsageError('--ring', 'give exactly one of --ring FILE or --public-key FILE');
      }
      return {
        name: 'seal',
        ...(ring && { ring }),
        ...(publicKey && { publicKey }),
        ...inFile(values),
      };
    }
    case 'unseal':
      return {
        name: 'unseal',
        ring: required(values, 'ring', 'the key-ring file'),
        ...inFile(values),
      };
    case 'reseal': {
      const out = str(values, 'out');
      return {
        name: 'reseal',
        ring: required(values, 'ring', 'the key-ring file, newest key first'),
        ...inFile(values),
        ...(out !== undefined && { out }),
      };
    }
    case 'generate': {
      const bitsText = str(values, 'bits');
      let bits: number | undefined;
      if (bitsText !== undefined) {
        bits = /^\d{1,5}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
        if (Number.isNaN(bits))
          throw new CliUsageError('--bits', 'must be a whole number, such as 128');
      }
      const kind = oneOf(values, 'kind', ['password', 'api-key'], 'password');
      const prefix = str(values, 'prefix');
      if (prefix !== undefined && kind !== 'api-key') {
        throw new CliUsageError('--prefix', 'only applies to --kind api-key');
      }
      if (values.symbols && kind !== 'password') {
        throw new CliUsageError('--symbols', 'only applies to --kind password');
      }
      return {
        name: 'generate',
        kind,
        symbols: values.symbols === true,
        ...(bits !== undefined && { bits }),
        ...(prefix !== undefined && { prefix }),
      };
    }
    case 'hash-password':
      return {
        name: 'hash-password',
        profile: oneOf(values, 'profile', ['interactive', 'moderate', 'sensitive'], 'interactive'),
        ...inFile(values),
      };
    default: {
      const unknown: never = command;
      throw new CliUsageError('<command>', `unknown command "${String(unknown)}"`);
    }
  }
}

function inFile(values: Values): { in?: string } {
  const path = str(values, 'in');
  return path === undefined ? {} : { in: path };
}
