import { BulwarkConfigError } from '@bulwark/core';
import { describe, expect, it } from 'vitest';
import { resolveSecurityOptions } from './resolve-security-options.js';

describe('resolveSecurityOptions', () => {
  describe('when nothing is set', () => {
    it('uses the defaults', () => {
      const resolved = resolveSecurityOptions({}, {});
      expect(resolved).toMatchObject({
        corsOrigins: [],
        corsCredentials: false,
        trustProxy: false,
        bodyLimitBytes: 102400,
        maxJsonDepth: 32,
        maxJsonArrayLength: 1000,
        keepAliveTimeoutMs: 5000,
        headersTimeoutMs: 10000,
        requestTimeoutMs: 30000,
        validation: true,
      });
    });
  });

  describe('when read from the environment', () => {
    it('parses CORS_ORIGINS, TRUST_PROXY and BODY_LIMIT_BYTES', () => {
      const resolved = resolveSecurityOptions(
        {},
        {
          CORS_ORIGINS: 'https://A.example.com/, http://localhost:5173',
          TRUST_PROXY: '10.0.0.0/8',
          BODY_LIMIT_BYTES: '2048',
        },
      );
      expect(resolved.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
      expect(resolved.trustProxy).toEqual(['10.0.0.0/8']);
      expect(resolved.bodyLimitBytes).toBe(2048);
    });

    it.each([
      [
        { CORS_ORIGINS: 'https://a.example.com/path' },
        'CORS_ORIGINS: "https://a.example.com/path" is not an origin',
      ],
      [{ CORS_ORIGINS: 'null' }, 'CORS_ORIGINS: "null" is the origin of sandboxed'],
      [
        { CORS_ORIGINS: 'ftp://a.example.com' },
        'CORS_ORIGINS: "ftp://a.example.com" is not an origin',
      ],
      [{ TRUST_PROXY: 'everyone' }, 'TRUST_PROXY: "everyone" is not an IP address'],
      [{ BODY_LIMIT_BYTES: '100kb' }, 'BODY_LIMIT_BYTES: must be an integer'],
      [{ BODY_LIMIT_BYTES: '0' }, 'BODY_LIMIT_BYTES: must be an integer'],
    ])('fails on %o, naming the variable', (env, message) => {
      expect(() => resolveSecurityOptions({}, env)).toThrow(BulwarkConfigError);
      expect(() => resolveSecurityOptions({}, env)).toThrow(message);
    });
  });

  describe('when given options', () => {
    it('prefers them over the environment', () => {
      const resolved = resolveSecurityOptions(
        { corsOrigins: ['https://b.example.com'], trustProxy: 2, bodyLimitBytes: 10 },
        { CORS_ORIGINS: 'https://a.example.com', TRUST_PROXY: '1', BODY_LIMIT_BYTES: '99' },
      );
      expect(resolved).toMatchObject({
        corsOrigins: ['https://b.example.com'],
        trustProxy: 2,
        bodyLimitBytes: 10,
      });
    });

    it('accepts a wildcard only without credentials', () => {
      expect(resolveSecurityOptions({ corsOrigins: ['*'] }, {}).corsOrigins).toEqual(['*']);
      expect(() =>
        resolveSecurityOptions({ corsOrigins: ['*'], corsCredentials: true }, {}),
      ).toThrow('corsOrigins: "*" is not allowed when corsCredentials is true');
    });

    it.each([
      [{ headersTimeoutMs: 0 }, 'headersTimeoutMs: must be an integer from 1'],
      [
        { requestTimeoutMs: 1000, headersTimeoutMs: 2000 },
        'requestTimeoutMs: must be at least headersTimeoutMs',
      ],
      [{ maxJsonDepth: 0 }, 'maxDepth: must be an integer from 1 to 1000'],
      [{ trustProxy: ['not-an-ip'] }, '"not-an-ip" is not an IP address'],
    ])('fails on %o, naming the option', (options, message) => {
      expect(() => resolveSecurityOptions(options as never, {})).toThrow(message);
    });
  });
});

describe('resolveSecurityOptions: TLS and peer identity', () => {
  it('is plain HTTP without a peer header by default', () => {
    expect(resolveSecurityOptions({}, {})).toMatchObject({
      tls: undefined,
      peerIdentityHeader: undefined,
    });
  });

  it('reads the TLS variables, clientAuth defaulting to required', () => {
    const resolved = resolveSecurityOptions(
      {},
      {
        TLS_CERT_FILE: '/tls/tls.crt',
        TLS_KEY_FILE: '/tls/tls.key',
        TLS_CLIENT_CA_FILE: '/tls/ca.crt',
      },
    );
    expect(resolved.tls).toEqual({
      certFile: '/tls/tls.crt',
      keyFile: '/tls/tls.key',
      clientCaFile: '/tls/ca.crt',
      clientAuth: 'required',
      exemptPaths: ['/health/live', '/health/ready', '/health/startup'],
      reloadIntervalMs: 2000,
      settings: {
        certFile: 'TLS_CERT_FILE',
        keyFile: 'TLS_KEY_FILE',
        clientCaFile: 'TLS_CLIENT_CA_FILE',
      },
    });
  });

  it('reads PEER_IDENTITY_HEADER, lowercased, with a trusted proxy', () => {
    expect(
      resolveSecurityOptions(
        {},
        { PEER_IDENTITY_HEADER: 'X-Forwarded-Client-Cert', TRUST_PROXY: 'loopback' },
      ).peerIdentityHeader,
    ).toBe('x-forwarded-client-cert');
  });

  it.each([
    [
      { TLS_CERT_FILE: '/tls/tls.crt' },
      'TLS_KEY_FILE: TLS_CERT_FILE and TLS_KEY_FILE go together: set both for HTTPS, or neither for plain HTTP',
    ],
    [
      { TLS_CLIENT_CA_FILE: '/tls/ca.crt' },
      'TLS_CLIENT_CA_FILE: client certificates need TLS on the listener: set TLS_CERT_FILE and TLS_KEY_FILE too',
    ],
    [
      { TLS_CERT_FILE: '/a', TLS_KEY_FILE: '/b', TLS_CLIENT_CA_FILE: '/c', TLS_CLIENT_AUTH: 'yes' },
      'TLS_CLIENT_AUTH: must be "required" or "optional" (got "yes")',
    ],
    [
      { TLS_CERT_FILE: '/a', TLS_KEY_FILE: '/b', TLS_CLIENT_AUTH: 'optional' },
      'TLS_CLIENT_AUTH: applies to client certificates only: set TLS_CLIENT_CA_FILE too, or unset TLS_CLIENT_AUTH',
    ],
    [
      { PEER_IDENTITY_HEADER: 'x-forwarded-client-cert' },
      'PEER_IDENTITY_HEADER: the header is believed only from a trusted proxy: set TRUST_PROXY (trustProxy) to the sidecar, such as loopback',
    ],
    [
      { PEER_IDENTITY_HEADER: 'x-forwarded-client-cert', TRUST_PROXY: '1' },
      "PEER_IDENTITY_HEADER: TRUST_PROXY (trustProxy) is a hop count (1), which believes any peer: an identity header needs the sidecar's addresses, such as loopback",
    ],
    [
      { PEER_IDENTITY_HEADER: 'x forwarded', TRUST_PROXY: '1' },
      'PEER_IDENTITY_HEADER: "x forwarded" is not a header name: use letters, digits and "-", such as x-forwarded-client-cert',
    ],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(() => resolveSecurityOptions({}, env)).toThrow(message);
    expect(() => resolveSecurityOptions({}, env)).toThrow(BulwarkConfigError);
  });

  it.each([
    [{ tls: { certFile: '', keyFile: '/k' } }, 'tls.certFile: must be the path of a PEM file'],
    [
      { tls: { certFile: '/c', keyFile: '/k', reloadIntervalMs: 50 } },
      'tls.reloadIntervalMs: must be an integer from 100 to 10000',
    ],
    [
      { tls: { certFile: '/c', keyFile: '/k', exemptPaths: ['health'] } },
      'tls.exemptPaths: must be a list of paths starting with "/"',
    ],
  ])('refuses the option %o, naming it', (options, message) => {
    expect(() => resolveSecurityOptions(options as never, {})).toThrow(message);
  });

  it('lets tls: false override the variables', () => {
    expect(
      resolveSecurityOptions({ tls: false }, { TLS_CERT_FILE: '/a', TLS_KEY_FILE: '/b' }).tls,
    ).toBeUndefined();
  });
});
