import { expectConfigError } from '@bulwark/test-harness';
import { describe, expect, it } from 'vitest';
import { TokenVerifier } from './exports/verifier.js';
import { authOptionsFromEnv } from './index.js';

const base = {
  issuer: 'https://idp.example',
  audience: 'api',
  jwksUri: 'https://idp.example/jwks',
};

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
    const error = expectConfigError(() => new TokenVerifier(options as never));
    expect(error.setting).toBe(setting);
    expect(error.message).toMatch(message);
  });

  it('requires https in production, naming both fixes', () => {
    const error = expectConfigError(
      () =>
        new TokenVerifier({
          ...base,
          jwksUri: 'http://keycloak.iam.svc:8080/jwks',
          production: true,
        }),
    );
    expect(error.setting).toBe('jwksUri');
    expect(error.message).toBe(
      'jwksUri: must use https in production (got http://keycloak.iam.svc:8080/jwks), so keys ' +
        'cannot be swapped in transit. Use an https URL in AUTH_JWKS_URL, or set ' +
        'AUTH_ALLOW_HTTP_JWKS=true (option allowHttpKeys) when a service mesh encrypts the hop.',
    );
  });

  it('applies the https rule to the issuer used for discovery', () => {
    const error = expectConfigError(
      () =>
        new TokenVerifier({
          issuer: 'http://keycloak.iam.svc:8080/realms/main',
          audience: 'api',
          discovery: true,
          production: true,
        }),
    );
    expect(error.setting).toBe('issuer');
    expect(error.message).toContain('Use an https URL in AUTH_ISSUER, or set AUTH_ALLOW_HTTP_JWKS');
  });

  it.each([
    'http://127.0.0.1:8080/jwks',
    'http://127.8.9.10/jwks',
    'http://[::1]:8080/jwks',
    'http://localhost:8080/jwks',
    'http://[::ffff:127.0.0.1]/jwks',
  ])('allows the loopback URL %s in production without a flag', (jwksUri) => {
    expect(() => new TokenVerifier({ ...base, jwksUri, production: true })).not.toThrow();
  });

  it.each([
    'http://10.0.0.1/jwks',
    'http://0.0.0.0/jwks',
    'http://localhost.example.com/jwks',
    'http://127.0.0.1.nip.io/jwks',
    'http://[::ffff:10.0.0.1]/jwks',
  ])('refuses the non-loopback http URL %s in production', (jwksUri) => {
    const error = expectConfigError(
      () => new TokenVerifier({ ...base, jwksUri, production: true }),
    );
    expect(error.message).toContain('AUTH_ALLOW_HTTP_JWKS=true');
  });

  it('allows a plain-http JWKS in production with allowHttpKeys', () => {
    const verifier = new TokenVerifier({
      ...base,
      jwksUri: 'http://keycloak.iam.svc:8080/jwks',
      production: true,
      allowHttpKeys: true,
    });
    expect(verifier.allowsHttpKeys).toBe(true);
  });

  it('names a non-boolean allowHttpKeys and its variable', () => {
    const error = expectConfigError(
      () => new TokenVerifier({ ...base, allowHttpKeys: 'yes' as unknown as boolean }),
    );
    expect(error.message).toBe(
      'allowHttpKeys: must be true or false. Set AUTH_ALLOW_HTTP_JWKS=true or false.',
    );
  });

  it('refuses a jwksMaxStaleSeconds not above jwksMaxAgeSeconds, naming its variable', () => {
    const error = expectConfigError(
      () => new TokenVerifier({ ...base, jwksMaxAgeSeconds: 600, jwksMaxStaleSeconds: 600 }),
    );
    expect(error.message).toBe(
      'jwksMaxStaleSeconds: must be greater than jwksMaxAgeSeconds (600), or keys would go stale ' +
        'before their scheduled refresh. Set AUTH_JWKS_MAX_STALE_SECONDS higher.',
    );
  });

  it('refuses the development issuer in production, naming the variables', () => {
    const error = expectConfigError(() => new TokenVerifier({ production: true }));
    expect(error.message).toContain('Set AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL');
  });

  it('regression: refuses at start-up a development key folder that can never hold the key', () => {
    const file = expectConfigError(
      () => new TokenVerifier({ production: false, devIssuer: { directory: '/etc/passwd' } }),
    );
    expect(file.setting).toBe('devIssuer.directory');
    expect(file.message).toBe(
      'devIssuer.directory: must be a folder, or a path where one can be made; /etc/passwd is not a folder.',
    );
    const under = expectConfigError(
      () => new TokenVerifier({ production: false, devIssuer: { directory: '/etc/passwd/keys' } }),
    );
    expect(under.message).toContain('/etc/passwd is not a folder');
  });

  it('accepts a development key folder that does not exist yet under a writable one', () => {
    expect(
      () => new TokenVerifier({ production: false, devIssuer: { directory: '/tmp/not/yet/made' } }),
    ).not.toThrow();
  });

  it('prefixes errors of one trusted issuer with its index', () => {
    const error = expectConfigError(
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
    const error = expectConfigError(() => authOptionsFromEnv({ NODE_ENV: 'production' }));
    expect(error.setting).toBe('AUTH_ISSUER, AUTH_AUDIENCE');
    expect(error.message).toContain(
      'Set AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL; AUTH_JWKS_URL may stay unset when the ' +
        'issuer publishes OpenID discovery (its jwks_uri is then discovered).',
    );
  });

  it('discovers the keys from AUTH_ISSUER in production when AUTH_JWKS_URL is unset', () => {
    const options = authOptionsFromEnv({
      NODE_ENV: 'production',
      AUTH_ISSUER: 'https://idp.example/realms/main',
      AUTH_AUDIENCE: 'api',
    });
    expect(options).toMatchObject({
      issuer: 'https://idp.example/realms/main',
      audience: ['api'],
      discovery: true,
      production: true,
    });
    expect(options.jwksUri).toBeUndefined();
    expect(() => new TokenVerifier(options)).not.toThrow();
  });

  it('reads AUTH_ALLOW_HTTP_JWKS and AUTH_JWKS_MAX_STALE_SECONDS', () => {
    const options = authOptionsFromEnv({
      NODE_ENV: 'production',
      AUTH_ISSUER: 'http://keycloak.iam.svc:8080/realms/main',
      AUTH_AUDIENCE: 'api',
      AUTH_ALLOW_HTTP_JWKS: 'true',
      AUTH_JWKS_MAX_STALE_SECONDS: '3600',
    });
    expect(options).toMatchObject({ allowHttpKeys: true, jwksMaxStaleSeconds: 3600 });
    expect(new TokenVerifier(options).allowsHttpKeys).toBe(true);
    expect(authOptionsFromEnv({})).toMatchObject({ allowHttpKeys: false });
    expect(authOptionsFromEnv({}).jwksMaxStaleSeconds).toBeUndefined();
  });

  it.each([
    ['AUTH_ALLOW_HTTP_JWKS', 'maybe', 'must be true or false'],
    ['AUTH_JWKS_MAX_STALE_SECONDS', '1', 'must be an integer from 2 to 31536000'],
  ])('names a bad %s', (name, value, message) => {
    const error = expectConfigError(() => authOptionsFromEnv({ [name]: value }));
    expect(error.setting).toBe(name);
    expect(error.message).toContain(message);
  });

  it('names a malformed number', () => {
    const error = expectConfigError(() =>
      authOptionsFromEnv({ AUTH_CLOCK_TOLERANCE_SECONDS: 'soon' }),
    );
    expect(error.setting).toBe('AUTH_CLOCK_TOLERANCE_SECONDS');
  });
});

describe('DPoP options', () => {
  it.each([
    ['dpop.mode', { mode: 'maybe' }, /off, allowed or required\. Set AUTH_DPOP/],
    ['dpop.maxAgeSeconds', { maxAgeSeconds: 0 }, /from 1 to 3600\. Set AUTH_DPOP_MAX_AGE_SECONDS/],
    ['dpop.algorithms', { algorithms: ['HS256'] }, /asymmetric algorithms only/],
    ['dpop.algorithms', { algorithms: ['none'] }, /"none" is not a supported/],
    ['dpop.nonceKeyFile', { nonce: true }, /AUTH_DPOP_NONCE_KEY_FILE/],
    ['dpop.nonceKey', { nonce: true, nonceKey: 'short' }, /at least 32 bytes/],
    [
      'dpop.nonceKeyFile',
      { nonce: true, nonceKeyFile: '/nonexistent/key' },
      /cannot be read \(ENOENT\)/,
    ],
    ['dpop.redis', { redis: 'http://cache' }, /redis:\/\/ or rediss:\/\/ URL\. Check REDIS_URL/],
    ['dpop.trustProxy', { trustProxy: ['not-an-address'] }, /TRUST_PROXY/],
  ])('names %s', (setting, dpop, message) => {
    const error = expectConfigError(() => new TokenVerifier({ ...base, dpop } as never));
    expect(error.setting).toBe(setting);
    expect(error.message).toMatch(message);
  });

  it('defaults to mode allowed, a 60 s window and no nonces', () => {
    const verifier = new TokenVerifier(base);
    expect(verifier.dpop.mode).toBe('allowed');
    expect(verifier.dpop.algs).toBe('ES256 EdDSA RS256 PS256');
    expect(verifier.dpop.usesNonces).toBe(false);
    expect(verifier.dpop.currentNonce()).toBeUndefined();
  });

  it('reads AUTH_DPOP, AUTH_DPOP_MAX_AGE_SECONDS, AUTH_DPOP_NONCE, the key file, REDIS_URL and TRUST_PROXY', () => {
    const options = authOptionsFromEnv({
      AUTH_DPOP: 'required',
      AUTH_DPOP_MAX_AGE_SECONDS: '30',
      AUTH_DPOP_NONCE: 'true',
      AUTH_DPOP_NONCE_KEY_FILE: '/var/run/secrets/dpop/nonce.key',
      REDIS_URL: 'redis://cache:6379',
      TRUST_PROXY: '1',
    });
    expect(options.dpop).toEqual({
      mode: 'required',
      maxAgeSeconds: 30,
      nonce: true,
      nonceKeyFile: '/var/run/secrets/dpop/nonce.key',
      redis: 'redis://cache:6379',
      trustProxy: 1,
    });
    expect(authOptionsFromEnv({}).dpop).toEqual({
      mode: 'allowed',
      maxAgeSeconds: 60,
      nonce: false,
      trustProxy: false,
    });
  });

  it.each([
    ['AUTH_DPOP', { AUTH_DPOP: 'sometimes' }, 'must be off, allowed or required'],
    ['AUTH_DPOP_MAX_AGE_SECONDS', { AUTH_DPOP_MAX_AGE_SECONDS: '0' }, 'from 1 to 3600'],
    ['AUTH_DPOP_NONCE', { AUTH_DPOP_NONCE: 'perhaps' }, 'must be true or false'],
    [
      'AUTH_DPOP_NONCE_KEY_FILE',
      { AUTH_DPOP_NONCE: 'true' },
      'is required with AUTH_DPOP_NONCE=true',
    ],
    ['REDIS_URL', { REDIS_URL: 'http://cache:6379' }, 'must be a redis:// or rediss:// URL'],
  ])('names a bad %s', (name, env, message) => {
    const error = expectConfigError(() => authOptionsFromEnv(env));
    expect(error.setting).toBe(name);
    expect(error.message).toContain(message);
  });
});
