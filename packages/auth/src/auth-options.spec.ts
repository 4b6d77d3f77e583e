import { BulwarkConfigError } from '@bulwark/core';
import { describe, expect, it } from 'vitest';
import { authOptionsFromEnv, TokenVerifier } from './index.js';

const base = {
  issuer: 'https://idp.example',
  audience: 'api',
  jwksUri: 'https://idp.example/jwks',
};

function configError(run: () => unknown): BulwarkConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof BulwarkConfigError) return error;
    throw error;
  }
  throw new Error('expected a BulwarkConfigError');
}

describe('option validation', () => {
  it.each([
    ['audience', { ...base, audience: undefined }, /audience: is required/],
    ['issuer', { ...base, issuer: '' }, /issuer: is required/],
    ['jwksUri', { ...base, jwksUri: 'not a url' }, /jwksUri: must be an absolute URL/],
    ['algorithms', { ...base, algorithms: ['none'] }, /"none" is not a supported/],
    ['algorithms', { ...base, algorithms: ['RS256', 'HS256'] }, /must not mix HS\*/],
    ['algorithms', { ...base, algorithms: ['HS256'] }, /need `secret`/],
    [
      'secret',
      { issuer: 'x', audience: 'a', secret: 'short', algorithms: ['HS256'] },
      /at least 32 bytes/,
    ],
    [
      'secret',
      { issuer: 'x', audience: 'a', secret: 'x'.repeat(40) },
      /HS256, HS384 or HS512 only/,
    ],
    ['jwksUri', { ...base, jwks: { keys: [] } }, /exactly one key source/],
    ['issuers', { ...base, issuers: [] }, /cannot be combined/],
    ['realm', { ...base, realm: 'a"b' }, /without quotes/],
    ['clockToleranceSeconds', { ...base, clockToleranceSeconds: -1 }, /from 0 to 300/],
    ['maxTokenLength', { ...base, maxTokenLength: 10 }, /from 256/],
    ['tokenTypes', { ...base, tokenTypes: [] }, /non-empty array/],
  ])('names %s', (setting, options, message) => {
    const error = configError(() => new TokenVerifier(options as never));
    expect(error.setting).toBe(setting);
    expect(error.message).toMatch(message);
  });

  it('requires https in production', () => {
    const error = configError(
      () => new TokenVerifier({ ...base, jwksUri: 'http://idp.example/jwks', production: true }),
    );
    expect(error.message).toBe(
      'jwksUri: must use https in production, so keys cannot be swapped in transit.',
    );
  });

  it('refuses the development issuer in production, naming the variables', () => {
    const error = configError(() => new TokenVerifier({ production: true }));
    expect(error.message).toContain('Set AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL');
  });

  it('prefixes errors of one trusted issuer with its index', () => {
    const error = configError(
      () => new TokenVerifier({ issuers: [base, { ...base, issuer: 'b', audience: [] }] }),
    );
    expect(error.setting).toBe('issuers[1].audience');
  });
});

describe('authOptionsFromEnv', () => {
  it('reads the DESIGN variables', () => {
    const options = authOptionsFromEnv({
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'a, b',
      AUTH_JWKS_URL: 'https://idp.example/jwks',
      AUTH_ALGORITHMS: 'ES256',
      AUTH_CLOCK_TOLERANCE_SECONDS: '10',
      AUTH_TOKEN_TYPES: 'at+jwt,JWT',
    });
    expect(options).toMatchObject({
      issuer: 'https://idp.example',
      audience: ['a', 'b'],
      jwksUri: 'https://idp.example/jwks',
      algorithms: ['ES256'],
      clockToleranceSeconds: 10,
      tokenTypes: ['at+jwt', 'JWT'],
      production: false,
    });
  });

  it('falls back to the development issuer outside production', () => {
    expect(authOptionsFromEnv({ AUTH_DEV_ISSUER_DIR: '/tmp/x' })).toMatchObject({
      devIssuer: { directory: '/tmp/x' },
    });
    expect(() => new TokenVerifier(authOptionsFromEnv({}))).not.toThrow();
  });

  it('refuses to start in production without settings, naming every missing variable', () => {
    const error = configError(() =>
      authOptionsFromEnv({ NODE_ENV: 'production', AUTH_ISSUER: 'https://idp.example' }),
    );
    expect(error.setting).toBe('AUTH_AUDIENCE, AUTH_JWKS_URL');
    expect(error.message).toContain('Set AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL.');
  });

  it('names a malformed number', () => {
    const error = configError(() => authOptionsFromEnv({ AUTH_CLOCK_TOLERANCE_SECONDS: 'soon' }));
    expect(error.setting).toBe('AUTH_CLOCK_TOLERANCE_SECONDS');
  });
});
