import { describe, expect, it } from 'vitest';
import { BulwarkConfigError } from './bulwark-error.js';

describe('BulwarkConfigError.namingVariables', () => {
  const fail = (setting: string) => () => {
    throw new BulwarkConfigError(setting, 'must be an integer from 1 to 60000000');
  };

  it('names the variable an option came from, keeping the range and the option', () => {
    const run = () =>
      BulwarkConfigError.namingVariables(
        { 'default policy.limit': 'RATE_LIMIT_MAX' },
        fail('default policy.limit'),
      );
    expect(run).toThrow(BulwarkConfigError);
    expect(run).toThrow(
      'RATE_LIMIT_MAX: must be an integer from 1 to 60000000 (option default policy.limit).',
    );
  });

  it('matches nested settings of the option', () => {
    expect(() =>
      BulwarkConfigError.namingVariables({ tokenTypes: 'AUTH_TOKEN_TYPES' }, fail('tokenTypes[1]')),
    ).toThrow('AUTH_TOKEN_TYPES: must be an integer from 1 to 60000000 (option tokenTypes[1]).');
  });

  it('leaves errors about options given in code, or other options, as they are', () => {
    expect(() =>
      BulwarkConfigError.namingVariables({ limit: undefined, window: 'X' }, fail('limit')),
    ).toThrow(/^limit: must be/);
    expect(() =>
      BulwarkConfigError.namingVariables({ limits: 'RATE_LIMIT_MAX' }, fail('limit')),
    ).toThrow(/^limit: must be/);
  });

  it('returns what resolve returns', () => {
    expect(BulwarkConfigError.namingVariables({}, () => 42)).toBe(42);
  });
});
