import { open, readFile } from 'node:fs/promises';
import { AeadCipher, generateAeadKey } from '../aead-cipher.js';
import { generateSealKey, KeyRing } from '../key-ring.js';
import { costLimits, PasswordHasher } from '../password-hasher.js';
import { generateApiKey, generatePassword } from '../secret-generation.js';
import { SecretsError } from '../secrets.error.js';
import { type CliCommand, USAGE } from './cli-args.js';
import { replaceFileKeepingMode, resolveLinks, withFileLock } from './ring-file.js';

/** Input larger than this is refused: the CLI handles secrets and config files, not bulk data. */
const MAX_INPUT_BYTES = 1024 * 1024;

export interface CliIo {
  stdin: AsyncIterable<Uint8Array>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

async function readInput(io: CliIo, path: string | undefined): Promise<string> {
  if (path !== undefined) {
    const text = await readFile(path, 'utf8');
    if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
      throw new SecretsError(
        'SECRETS_INVALID_INPUT',
        `${path} is larger than ${MAX_INPUT_BYTES} bytes`,
      );
    }
    return text;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    size += chunk.length;
    if (size > MAX_INPUT_BYTES) {
      throw new SecretsError(
        'SECRETS_INVALID_INPUT',
        `stdin is larger than ${MAX_INPUT_BYTES} bytes`,
      );
    }
    chunks.push(Buffer.from(chunk));
  }
  const buffer = Buffer.concat(chunks);
  try {
    return buffer.toString('utf8');
  } finally {
    buffer.fill(0);
    for (const chunk of chunks) chunk.fill(0);
  }
}

/** `echo value | bulwark-secrets seal` adds a newline that is not part of the secret. */
function withoutTrailingNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

function nonEmpty(text: string, what: string): string {
  if (text === '') throw new SecretsError('SECRETS_INVALID_INPUT', `${what} is empty`);
  return text;
}

/** Creates a file that must not exist yet, readable by its owner only. */
async function createPrivateFile(path: string, content: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'EEXIST') {
      throw new SecretsError(
        'SECRETS_INVALID_INPUT',
        `${path} already exists; it is never overwritten`,
      );
    }
    throw error;
  });
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function keygen(command: Extract<CliCommand, { name: 'keygen' }>, io: CliIo): Promise<void> {
  const options = command.kid === undefined ? {} : { kid: command.kid };
  const generated =
    command.type === 'seal'
      ? await generateSealKey(options)
      : { ...(await generateAeadKey(options)), publicKey: undefined };
  const secretLine = 'secretKey' in generated ? generated.secretKey : generated.key;
  if (command.ring !== undefined) {
    const ringPath = command.ring;
    // Read, check and replace under one lock: two rotations at once would otherwise both
    // prepend to the same old text, and one new key would be lost.
    await withFileLock(await resolveLinks(ringPath), async () => {
      const existing = await readOptional(ringPath);
      if (existing !== undefined && existing.trim() !== '') {
        // Refuse to prepend to a file that is not a valid ring of the same type.
        const ring =
          command.type === 'seal'
            ? await KeyRing.parse(existing)
            : await AeadCipher.parse(existing);
        const taken =
          ring instanceof KeyRing ? ring.kids.includes(generated.kid) : ring.has(generated.kid);
        ring.destroy();
        if (taken) {
          throw new SecretsError(
            'SECRETS_INVALID_INPUT',
            `key id "${generated.kid}" is already in ${ringPath}; choose another --kid`,
          );
        }
      }
      await replaceFileKeepingMode(ringPath, `${secretLine}\n${existing ?? ''}`);
    });
    io.stderr(`added key ${generated.kid} at the top of ${ringPath}\n`);
  } else if (command.out !== undefined) {
    await createPrivateFile(command.out, `${secretLine}\n`);
    io.stderr(`wrote key ${generated.kid} to ${command.out}\n`);
  } else {
    io.stdout(`${secretLine}\n`);
    if (generated.publicKey) io.stderr(`${generated.publicKey}\n`);
    return;
  }
  if (generated.publicKey) io.stdout(`${generated.publicKey}\n`);
}

async function loadRing(path: string): Promise<KeyRing> {
  return KeyRing.parse(await readFile(path, 'utf8'));
}

/** Runs a parsed command. Errors propagate; the entry point maps them to exit codes. */
export async function runCommand(command: CliCommand, io: CliIo): Promise<void> {
  switch (command.name) {
    case 'help':
      io.stdout(USAGE);
      return;
    case 'keygen':
      await keygen(command, io);
      return;
    case 'seal': {
      const ring = await loadRing(command.ring ?? command.publicKey ?? '');
      try {
        const plaintext = nonEmpty(
          withoutTrailingNewline(await readInput(io, command.in)),
          'the plaintext',
        );
        io.stdout(`${ring.seal(plaintext)}\n`);
      } finally {
        ring.destroy();
      }
      return;
    }
    case 'unseal': {
      const ring = await loadRing(command.ring);
      try {
        io.stdout(
          ring.unsealString(nonEmpty((await readInput(io, command.in)).trim(), 'the sealed value')),
        );
      } finally {
        ring.destroy();
      }
      return;
    }
    case 'reseal': {
      const ring = await loadRing(command.ring);
      try {
        const { text, resealed } = ring.resealText(await readInput(io, command.in));
        if (command.out !== undefined) await replaceFileKeepingMode(command.out, text);
        else io.stdout(text);
        io.stderr(`resealed ${resealed} value(s) for key ${ring.currentKid}\n`);
      } finally {
        ring.destroy();
      }
      return;
    }
    case 'generate': {
      const bits = command.bits === undefined ? {} : { bits: command.bits };
      const value =
        command.kind === 'password'
          ? await generatePassword({ ...bits, symbols: command.symbols })
          : await generateApiKey({
              ...bits,
              ...(command.prefix !== undefined && { prefix: command.prefix }),
            });
      io.stdout(`${value}\n`);
      return;
    }
    case 'hash-password': {
      const password = nonEmpty(
        withoutTrailingNewline(await readInput(io, command.in)),
        'the password',
      );
      // A hasher sized for the chosen profile: the default one stops at 64 MiB.
      const hasher = await PasswordHasher.create({
        maxMemLimit: costLimits(command.profile).memLimit,
      });
      try {
        io.stdout(`${await hasher.hash(password, command.profile)}\n`);
      } finally {
        await hasher.close();
      }
      return;
    }
    default: {
      const unknown: never = command;
      throw new Error(`unhandled command ${JSON.stringify(unknown)}`);
    }
  }
}
