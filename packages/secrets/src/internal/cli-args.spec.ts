import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCli } from './cli-args.js';

function usage(argv: string[]): CliUsageError {
  try {
    parseCli(argv);
  } catch (error) {
    if (error instanceof CliUsageError) return error;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('parseCli', () => {
  it('parses each command with its defaults', () => {
    expect(parseCli([])).toEqual({ name: 'help' });
    expect(parseCli(['keygen'])).toEqual({ name: 'keygen', type: 'seal' });
    expect(parseCli(['keygen', '--type', 'aead', '--kid', 'd1', '--ring', 'r'])).toEqual({
      name: 'keygen',
      type: 'aead',
      kid: 'd1',
      ring: 'r',
    });
    expect(parseCli(['seal', '--public-key', 'p', '--in', 'f'])).toEqual({
      name: 'seal',
      publicKey: 'p',
      in: 'f',
    });
    expect(parseCli(['reseal', '--ring', 'r', '--out', 'o'])).toEqual({
      name: 'reseal',
      ring: 'r',
      out: 'o',
    });
    expect(parseCli(['generate'])).toEqual({ name: 'generate', kind: 'password', symbols: false });
    expect(parseCli(['hash-password'])).toEqual({ name: 'hash-password', profile: 'interactive' });
    expect(parseCli(['unseal', '--help'])).toEqual({ name: 'help' });
  });

  it('names the flag in every usage error', () => {
    expect(usage(['generate', '--bits', 'many']).message).toBe(
      '--bits: must be a whole number, such as 128',
    );
    expect(usage(['generate', '--kind', 'pin']).message).toBe(
      '--kind: must be one of password, api-key',
    );
    expect(usage(['generate', '--prefix', 'bk']).message).toBe(
      '--prefix: only applies to --kind api-key',
    );
    expect(usage(['seal', '--ring', 'a', '--public-key', 'b']).message).toBe(
      '--ring: give exactly one of --ring FILE or --public-key FILE',
    );
    expect(usage(['keygen', '--out', 'a', '--ring', 'b']).message).toBe(
      '--out: cannot be combined with --ring; pick one',
    );
    expect(usage(['unseal', '--ring']).message).toBe('--ring: needs a value');
    expect(usage(['generate', '--symbols=yes']).message).toBe('--symbols: takes no value');
    expect(usage(['hash-password', '--profile', 'fast']).flag).toBe('--profile');
  });

  it('never echoes a value passed where a secret might be', () => {
    const error = usage(['unseal', '--ring', 'r', '--value=s3cr3t-value']);
    expect(error.message).toBe('--value: is not an option of unseal; run bulwark-secrets --help');
    const positional = usage(['hash-password', 's3cr3t-value']);
    expect(positional.message).not.toContain('s3cr3t');
  });
});
