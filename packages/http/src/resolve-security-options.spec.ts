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
