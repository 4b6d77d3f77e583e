import { afterEach, describe, expect, it } from 'vitest';
import {
  type ProblemKind,
  problem,
  problemForStatus,
  setAuthChallenge,
} from './problem-catalog.js';

const DPOP = { realm: 'notes', dpopRequired: true, algs: 'ES256 EdDSA' };

/** Every kind: its exact body and the WWW-Authenticate it carries with no parameters given. */
const KINDS: [ProblemKind, number, string, string, string | undefined][] = [
  [
    'authentication-required',
    401,
    'Unauthorized',
    'This resource needs a bearer access token.',
    'Bearer realm="api"',
  ],
  ['invalid-request', 400, 'Bad Request', 'The Authorization header is malformed.', undefined],
  [
    'invalid-token',
    401,
    'Unauthorized',
    'The access token was not accepted.',
    'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
  ],
  [
    'invalid-dpop-proof',
    401,
    'Unauthorized',
    'The DPoP proof was not accepted.',
    'DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="ES256"',
  ],
  [
    'use-dpop-nonce',
    401,
    'Unauthorized',
    'The DPoP proof must carry the nonce sent in the DPoP-Nonce header.',
    'DPoP realm="api", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256"',
  ],
  [
    'authentication-unavailable',
    503,
    'Service Unavailable',
    'Access tokens cannot be checked right now. Try again later.',
    undefined,
  ],
  [
    'insufficient-scope',
    403,
    'Forbidden',
    'The access token lacks a required scope.',
    'Bearer error="insufficient_scope", scope=""',
  ],
  ['forbidden', 403, 'Forbidden', 'You are not allowed to do this.', undefined],
  ['not-found', 404, 'Not Found', 'No resource matches the request.', undefined],
  [
    'client-certificate-required',
    401,
    'Client certificate required',
    'This service requires a client certificate.',
    undefined,
  ],
  [
    'invalid-peer-identity',
    400,
    'Invalid peer identity',
    'The peer identity header could not be used.',
    undefined,
  ],
  [
    'rate-limited',
    429,
    'Too Many Requests',
    'The rate limit is exhausted. Retry later.',
    undefined,
  ],
  [
    'rate-limit-unavailable',
    503,
    'Service Unavailable',
    'Rate limiting is temporarily unavailable. Retry shortly.',
    undefined,
  ],
  ['invalid-json', 400, 'Invalid JSON', 'The request body could not be parsed as JSON.', undefined],
  [
    'json-limits-exceeded',
    400,
    'JSON Limits Exceeded',
    'The JSON body is nested too deeply or holds an array that is too long.',
    undefined,
  ],
  [
    'forbidden-json-key',
    400,
    'Forbidden JSON Key',
    'The JSON body contains a "__proto__" or "constructor" key, which is not accepted.',
    undefined,
  ],
  [
    'payload-too-large',
    413,
    'Content Too Large',
    'The request body is larger than this service accepts.',
    undefined,
  ],
  [
    'unsupported-media-type',
    415,
    'Unsupported Media Type',
    'Send the request body as UTF-8 JSON (Content-Type: application/json), uncompressed.',
    undefined,
  ],
  [
    'validation-failed',
    400,
    'Validation Failed',
    'The request has invalid or unknown fields.',
    undefined,
  ],
  ['upstream-failed', 502, 'Bad Gateway', 'A service this request depends on failed.', undefined],
  [
    'upstream-timeout',
    504,
    'Gateway Timeout',
    'A service this request depends on did not answer in time.',
    undefined,
  ],
  [
    'upstream-unavailable',
    503,
    'Service Unavailable',
    'A service this request depends on is unavailable; retry later.',
    undefined,
  ],
  ['bad-request', 400, 'Bad Request', 'The request is malformed.', undefined],
  ['unauthorized', 401, 'Unauthorized', 'Authentication is required.', undefined],
  [
    'method-not-allowed',
    405,
    'Method Not Allowed',
    'The method is not allowed on this resource.',
    undefined,
  ],
  [
    'not-acceptable',
    406,
    'Not Acceptable',
    'No acceptable representation is available.',
    undefined,
  ],
  ['request-timeout', 408, 'Request Timeout', 'The request took too long to arrive.', undefined],
  ['conflict', 409, 'Conflict', 'The request conflicts with the current state.', undefined],
  ['gone', 410, 'Gone', 'The resource is gone.', undefined],
  ['length-required', 411, 'Length Required', 'A Content-Length header is required.', undefined],
  ['precondition-failed', 412, 'Precondition Failed', 'A precondition failed.', undefined],
  ['uri-too-long', 414, 'URI Too Long', 'The request URI is too long.', undefined],
  [
    'unprocessable-content',
    422,
    'Unprocessable Entity',
    'The request could not be processed.',
    undefined,
  ],
  ['too-many-requests', 429, 'Too Many Requests', 'Too many requests; retry later.', undefined],
  [
    'request-header-fields-too-large',
    431,
    'Request Header Fields Too Large',
    'The request headers are too large.',
    undefined,
  ],
  [
    'internal',
    500,
    'Internal Server Error',
    'An unexpected error occurred. Quote the request id when reporting it.',
    undefined,
  ],
  ['not-implemented', 501, 'Not Implemented', 'This is not implemented.', undefined],
  ['bad-gateway', 502, 'Bad Gateway', 'An upstream service failed.', undefined],
  [
    'service-unavailable',
    503,
    'Service Unavailable',
    'The service is unavailable; retry later.',
    undefined,
  ],
  ['gateway-timeout', 504, 'Gateway Timeout', 'An upstream service timed out.', undefined],
];

afterEach(() => setAuthChallenge(undefined));

describe('problem()', () => {
  it.each(KINDS)('%s: %i %s', (kind, status, title, detail, challenge) => {
    const error = problem(kind, { reason: 'internal reason' });
    expect(error.getStatus()).toBe(status);
    expect(error.getResponse()).toEqual({
      type: `urn:bulwark:problem:${kind}`,
      title,
      status,
      detail,
    });
    expect(error.problem).toEqual(error.getResponse());
    expect(error.reason).toBe('internal reason');
    expect(error.headers).toEqual(challenge === undefined ? {} : { 'www-authenticate': challenge });
  });

  it('takes the detail, extensions and headers of the occurrence', () => {
    const error = problem('service-unavailable', {
      detail: 'Too busy.',
      extensions: { errors: [] },
      headers: { 'Retry-After': '5' },
    });
    expect(error.getResponse()).toEqual({
      type: 'urn:bulwark:problem:service-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'Too busy.',
      errors: [],
    });
    expect(error.headers).toEqual({ 'Retry-After': '5' });
  });

  it('challenges in the realm and scheme authentication recorded, and back to the default', () => {
    setAuthChallenge(DPOP);
    const required = problem('authentication-required');
    expect(required.headers).toEqual({
      'www-authenticate': 'DPoP realm="notes", algs="ES256 EdDSA"',
    });
    expect(required.problem.detail).toBe('This resource needs a DPoP-bound access token.');
    expect(problem('invalid-token').headers['www-authenticate']).toBe(
      'DPoP realm="notes", algs="ES256 EdDSA", error="invalid_token", error_description="The access token is invalid"',
    );
    expect(problem('invalid-dpop-proof').headers['www-authenticate']).toBe(
      'DPoP realm="notes", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="ES256 EdDSA"',
    );
    setAuthChallenge({ ...DPOP, dpopRequired: false });
    expect(problem('authentication-required').headers['www-authenticate']).toBe(
      'Bearer realm="notes"',
    );
    setAuthChallenge(undefined);
    expect(problem('authentication-required').headers['www-authenticate']).toBe(
      'Bearer realm="api"',
    );
  });

  it('takes the challenge parameters of the occurrence over the recorded ones', () => {
    setAuthChallenge(DPOP);
    expect(problem('authentication-required', { challenge: { scheme: 'Bearer' } }).headers).toEqual(
      { 'www-authenticate': 'Bearer realm="notes"' },
    );
    expect(
      problem('invalid-request', { challenge: { scheme: 'DPoP', realm: 'x', algs: 'PS256' } })
        .headers,
    ).toEqual({
      'www-authenticate':
        'DPoP realm="x", algs="PS256", error="invalid_request", error_description="The Authorization header is malformed"',
    });
    expect(
      problem('insufficient-scope', { challenge: { scope: ['notes:read', 'notes:write'] } })
        .headers,
    ).toEqual({
      'www-authenticate': 'Bearer error="insufficient_scope", scope="notes:read notes:write"',
    });
  });

  it('sets the headers on the response it is given, so any filter sends them', () => {
    const set: Record<string, string> = {};
    const response = { headersSent: false, setHeader: (n: string, v: string) => (set[n] = v) };
    problem('invalid-token', { response, headers: { 'dpop-nonce': 'n-1' } });
    expect(set).toEqual({
      'dpop-nonce': 'n-1',
      'www-authenticate':
        'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
    });
  });

  it('refuses a kind that is not in the catalog', () => {
    expect(() => problem('nope' as ProblemKind)).toThrow(
      new TypeError('unknown problem kind "nope"'),
    );
  });
});

describe('problemForStatus()', () => {
  it.each([
    [400, 'bad-request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [405, 'method-not-allowed'],
    [406, 'not-acceptable'],
    [408, 'request-timeout'],
    [409, 'conflict'],
    [410, 'gone'],
    [411, 'length-required'],
    [412, 'precondition-failed'],
    [413, 'payload-too-large'],
    [414, 'uri-too-long'],
    [415, 'unsupported-media-type'],
    [422, 'unprocessable-content'],
    [429, 'too-many-requests'],
    [431, 'request-header-fields-too-large'],
    [500, 'internal'],
    [501, 'not-implemented'],
    [502, 'bad-gateway'],
    [503, 'service-unavailable'],
    [504, 'gateway-timeout'],
  ] as const)('maps %i to the body of %s', (status, kind) => {
    expect(problemForStatus(status).problem).toEqual(problem(kind).problem);
    expect(problemForStatus(status).problem.type).toBe(`urn:bulwark:problem:${kind}`);
  });

  it('maps the statuses of the request pipeline to one kind each', () => {
    expect(problemForStatus(413).problem).toEqual({
      type: 'urn:bulwark:problem:payload-too-large',
      title: 'Content Too Large',
      status: 413,
      detail: 'The request body is larger than this service accepts.',
    });
    expect(problemForStatus(401).headers).toEqual({});
  });

  it('names a status outside the catalog http-<status>, with its standard title', () => {
    expect(problemForStatus(418).problem).toEqual({
      type: 'urn:bulwark:problem:http-418',
      title: "I'm a Teapot",
      status: 418,
      detail: 'The request could not be processed.',
    });
    expect(problemForStatus(507).problem).toEqual({
      type: 'urn:bulwark:problem:http-507',
      title: 'Insufficient Storage',
      status: 507,
      detail: 'An unexpected error occurred. Quote the request id when reporting it.',
    });
  });
});
