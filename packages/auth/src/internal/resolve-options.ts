import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BulwarkConfigError } from '@bulwark/core';
import { isProduction } from '@bulwark/core/env';
import { ClientAddressResolver, type TrustProxy } from '@bulwark/core/peer';
import {
  DEFAULT_ALGORITHMS,
  DEFAULT_TOKEN_TYPES,
  DEV_AUDIENCE,
  DEV_ISSUER,
  DEV_ISSUER_DIRECTORY,
} from '../auth.constants.js';
import type {
  AuthModuleOptions,
  DpopMode,
  DpopOptions,
  KeySourceSpec,
  ResolvedAuthOptions,
  ResolvedDpop,
  ResolvedIssuer,
  TrustedIssuerOptions,
} from '../auth-options.interface.js';
import { HMAC_MIN_BYTES, resolveAlgorithms } from './algorithms.js';
import { type KeyUrlPolicy, keyUrlProblem } from './key-url.js';

/** The default of `jwksMaxStaleSeconds`: 24 hours. */
const DEFAULT_MAX_STALE_SECONDS = 86_400;

/** RFC 7515 §4.1.9: `typ` is compared case-insensitively, `application/` may be left out. */
export function normalizeType(value: string): string {
  const lower = value.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function fail(setting: string, message: string): never {
  throw new BulwarkConfigError(setting, message);
}

function number(
  value: number | undefined,
  setting: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(setting, `must be a number from ${min} to ${max}. Set ${setting} or leave it out.`);
  }
  return value;
}

function stringList(value: readonly string[] | undefined, setting: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((v) => typeof v !== 'string' || !v)
  ) {
    fail(setting, 'must be a non-empty array of non-empty strings.');
  }
  return [...value];
}

function checkUrl(
  raw: string,
  setting: string,
  policy: KeyUrlPolicy,
  variable: string,
  what: string,
): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail(setting, `must be an absolute URL. Set ${variable} to the https URL of the ${what}.`);
  }
  const problem = keyUrlProblem(url, policy, variable);
  if (problem) fail(setting, problem);
  return url;
}

type IssuerDefaults = { algorithms: readonly string[]; scopeClaim?: string; rolesClaim: string };

/** `aud` values a token must carry: one string or a non-empty list. */
function resolveAudience(input: TrustedIssuerOptions, prefix: string): string[] {
  const audience =
    typeof input.audience === 'string'
      ? [input.audience]
      : stringList(input.audience, `${prefix}audience`);
  if (!audience || audience.some((a) => a === '')) {
    fail(
      `${prefix}audience`,
      "is required: the API's identifier that tokens must carry in `aud`. Set AUTH_AUDIENCE.",
    );
  }
  return audience;
}

/** Exactly one of the key sources must be set. */
function checkOneKeySource(input: TrustedIssuerOptions, prefix: string): void {
  const sources = (['jwksUri', 'discovery', 'jwks', 'publicKeys', 'secret'] as const).filter(
    (name) => input[name] !== undefined && input[name] !== false,
  );
  if (sources.length !== 1) {
    fail(
      `${prefix}jwksUri`,
      sources.length === 0
        ? 'no key source: set one of jwksUri (AUTH_JWKS_URL), discovery, jwks, publicKeys or secret.'
        : `set exactly one key source, not ${sources.join(' and ')}.`,
    );
  }
}

/** An HMAC secret long enough for every allowed algorithm. */
function resolveSecret(
  input: TrustedIssuerOptions,
  prefix: string,
  algorithms: readonly string[],
): KeySourceSpec {
  const secret =
    typeof input.secret === 'string' ? new TextEncoder().encode(input.secret) : input.secret;
  const needed = Math.max(...algorithms.map((alg) => HMAC_MIN_BYTES[alg] ?? 32));
  if (!(secret instanceof Uint8Array) || secret.byteLength < needed) {
    fail(`${prefix}secret`, `must be at least ${needed} bytes for ${algorithms.join(', ')}.`);
  }
  return { kind: 'secret', secret };
}

/** PEM keys (each with an allowed `alg`) or an inline JWKS. */
function resolveStaticKeys(
  input: TrustedIssuerOptions,
  prefix: string,
  algorithms: readonly string[],
): KeySourceSpec {
  for (const [index, key] of (input.publicKeys ?? []).entries()) {
    if (typeof key?.pem !== 'string' || !key.pem.includes('-----BEGIN')) {
      fail(`${prefix}publicKeys[${index}].pem`, 'must be PEM text (PUBLIC KEY or CERTIFICATE).');
    }
    if (!algorithms.includes(key.alg)) {
      fail(`${prefix}publicKeys[${index}].alg`, `must be one of algorithms (${algorithms}).`);
    }
  }
  if (input.jwks !== undefined && !Array.isArray(input.jwks?.keys)) {
    fail(`${prefix}jwks`, 'must be a JSON Web Key Set: { keys: [...] }.');
  }
  return { kind: 'static', jwks: input.jwks, publicKeys: input.publicKeys ?? [] };
}

/** Where the issuer's keys come from: a JWKS URL, discovery, a secret or static keys. */
function resolveKeySource(
  input: TrustedIssuerOptions,
  prefix: string,
  algorithms: readonly string[],
  policy: KeyUrlPolicy,
): KeySourceSpec {
  if (input.jwksUri !== undefined) {
    return {
      kind: 'remote',
      jwksUri: checkUrl(input.jwksUri, `${prefix}jwksUri`, policy, 'AUTH_JWKS_URL', 'key set'),
      discovery: false,
    };
  }
  if (input.discovery) {
    checkUrl(input.issuer, `${prefix}issuer`, policy, 'AUTH_ISSUER', 'issuer');
    return { kind: 'remote', jwksUri: undefined, discovery: true };
  }
  if (input.secret !== undefined) return resolveSecret(input, prefix, algorithms);
  return resolveStaticKeys(input, prefix, algorithms);
}

/** The exact `iss` an issuer's tokens must carry. */
function requireIssuerName(input: TrustedIssuerOptions, prefix: string): string {
  if (typeof input.issuer !== 'string' || input.issuer === '') {
    fail(`${prefix}issuer`, 'is required: the exact `iss` of accepted tokens. Set AUTH_ISSUER.');
  }
  return input.issuer;
}

/** The issuer's algorithms (the module's unless it lists its own), checked against its key kind. */
function resolveIssuerAlgorithms(
  input: TrustedIssuerOptions,
  prefix: string,
  defaults: IssuerDefaults,
): string[] {
  return resolveAlgorithms(
    stringList(input.algorithms, `${prefix}algorithms`) ?? [...defaults.algorithms],
    `${prefix}algorithms`,
    input.secret !== undefined,
  );
}

/** One trusted issuer: its name, audience, algorithms, key source and claim paths. */
function resolveIssuer(
  input: TrustedIssuerOptions,
  prefix: string,
  defaults: IssuerDefaults,
  policy: KeyUrlPolicy,
): ResolvedIssuer {
  const issuer = requireIssuerName(input, prefix);
  const audience = resolveAudience(input, prefix);
  checkOneKeySource(input, prefix);
  const algorithms = resolveIssuerAlgorithms(input, prefix, defaults);
  return {
    issuer,
    audience,
    algorithms,
    keys: resolveKeySource(input, prefix, algorithms, policy),
    scopeClaim: input.scopeClaim ?? defaults.scopeClaim,
    rolesClaim: input.rolesClaim ?? defaults.rolesClaim,
  };
}

function hasKeySource(options: Partial<TrustedIssuerOptions>): boolean {
  return (
    options.jwksUri !== undefined ||
    Boolean(options.discovery) ||
    options.jwks !== undefined ||
    options.publicKeys !== undefined ||
    options.secret !== undefined
  );
}

/** The trusted issuers: a list, one top-level issuer, or the local development issuer. */
function resolveIssuers(
  options: AuthModuleOptions,
  defaults: IssuerDefaults,
  policy: KeyUrlPolicy,
): ResolvedIssuer[] {
  if (options.issuers === undefined) {
    return hasKeySource(options)
      ? [resolveIssuer(options as TrustedIssuerOptions, '', defaults, policy)]
      : [resolveDevIssuer(options, defaults, policy.production)];
  }
  if (options.issuer !== undefined || hasKeySource(options)) {
    fail('issuers', 'cannot be combined with top-level issuer or key options; use one form.');
  }
  if (!Array.isArray(options.issuers) || options.issuers.length === 0) {
    fail('issuers', 'must be a non-empty array of trusted issuers.');
  }
  const issuers = options.issuers.map((entry, index) =>
    resolveIssuer(entry, `issuers[${index}].`, defaults, policy),
  );
  const names = issuers.map((entry) => entry.issuer);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) fail('issuers', `lists the issuer ${duplicate} twice.`);
  return issuers;
}

/** RFC 7235 §2.2: the realm is a quoted-string; refuse what would need escaping. */
function resolveRealm(realm: unknown): string {
  if (typeof realm !== 'string' || !/^[\x20-\x7e]+$/.test(realm) || /["\\]/.test(realm)) {
    fail('realm', 'must be printable ASCII without quotes or backslashes.');
  }
  return realm;
}

/** How long fetched keys are fresh, and how long they may serve stale while the JWKS is down. */
function resolveKeyAges(options: AuthModuleOptions) {
  const maxAgeSeconds = number(options.jwksMaxAgeSeconds, 'jwksMaxAgeSeconds', 600, 1, 604_800);
  const maxStaleSeconds = number(
    options.jwksMaxStaleSeconds,
    'jwksMaxStaleSeconds',
    Math.max(DEFAULT_MAX_STALE_SECONDS, maxAgeSeconds * 2),
    2,
    31_536_000,
  );
  if (maxStaleSeconds <= maxAgeSeconds) {
    fail(
      'jwksMaxStaleSeconds',
      `must be greater than jwksMaxAgeSeconds (${maxAgeSeconds}), or keys would go stale before ` +
        'their scheduled refresh. Set AUTH_JWKS_MAX_STALE_SECONDS higher.',
    );
  }
  return { maxAgeSeconds, maxStaleSeconds };
}

/** Production mode, and whether key URLs may use plain http outside it. */
function resolveKeyUrlPolicy(options: AuthModuleOptions): KeyUrlPolicy {
  const production = options.production ?? isProduction();
  if (options.allowHttpKeys !== undefined && typeof options.allowHttpKeys !== 'boolean') {
    fail('allowHttpKeys', 'must be true or false. Set AUTH_ALLOW_HTTP_JWKS=true or false.');
  }
  return { production, allowHttpKeys: options.allowHttpKeys === true };
}

/** The module-level algorithms and claim paths, which an issuer inherits unless it sets its own. */
function resolveIssuerDefaults(options: AuthModuleOptions): IssuerDefaults {
  const algorithms = stringList(options.algorithms, 'algorithms') ?? [...DEFAULT_ALGORITHMS];
  for (const claim of ['scopeClaim', 'rolesClaim'] as const) {
    if (options[claim] !== undefined && (typeof options[claim] !== 'string' || !options[claim])) {
      fail(claim, 'must be a non-empty claim path such as `realm_access.roles`.');
    }
  }
  return { algorithms, scopeClaim: options.scopeClaim, rolesClaim: options.rolesClaim ?? 'roles' };
}

/** The accepted `typ` values (normalised) and the claims every token must carry. */
function resolveTokenShape(options: AuthModuleOptions) {
  const tokenTypes = stringList(options.tokenTypes, 'tokenTypes') ?? [...DEFAULT_TOKEN_TYPES];
  const requiredClaims = stringList(options.requiredClaims, 'requiredClaims') ?? [];
  return {
    tokenTypes: new Set(tokenTypes.map(normalizeType)),
    requiredClaims: [...new Set(['sub', 'exp', ...requiredClaims])],
  };
}

/** The injected clock, or `Date.now`. */
function resolveClock(clock: AuthModuleOptions['clock']): () => number {
  if (clock !== undefined && typeof clock !== 'function') {
    fail('clock', 'must be a function returning milliseconds since the epoch.');
  }
  return clock ?? Date.now;
}

/** The leeway on `exp`, `nbf` and `iat`, the oldest `iat` accepted (if any), the longest token. */
function resolveTokenLimits(options: AuthModuleOptions) {
  return {
    clockToleranceSeconds: number(
      options.clockToleranceSeconds,
      'clockToleranceSeconds',
      5,
      0,
      300,
    ),
    maxTokenAgeSeconds:
      options.maxTokenAgeSeconds === undefined
        ? undefined
        : number(options.maxTokenAgeSeconds, 'maxTokenAgeSeconds', 0, 1, 31_536_000),
    maxTokenLength: number(options.maxTokenLength, 'maxTokenLength', 8192, 256, 1_048_576),
  };
}

/** The verified-token cache: on unless `cache: false`, with at most `maxEntries` tokens. */
function resolveCache(input: AuthModuleOptions['cache']): ResolvedAuthOptions['cache'] {
  const cache = typeof input === 'object' && input !== null ? input : { enabled: input !== false };
  return {
    enabled: cache.enabled !== false,
    maxEntries: number(cache.maxEntries, 'cache.maxEntries', 10_000, 1, 10_000_000),
  };
}

/** The least time between two token-triggered JWKS fetches, and a fetch's timeout, in ms. */
function resolveKeyFetch(options: AuthModuleOptions) {
  return {
    cooldownMs: number(options.jwksCooldownSeconds, 'jwksCooldownSeconds', 30, 0, 86_400) * 1000,
    timeoutMs: number(options.jwksTimeoutSeconds, 'jwksTimeoutSeconds', 5, 0.001, 120) * 1000,
  };
}

/**
 * Validates and normalises the options; every error names the option at fault. The steps run
 * in this order, so that with several options wrong the first one reported stays the same.
 */
export function resolveAuthOptions(options: AuthModuleOptions): ResolvedAuthOptions {
  if (options === null || typeof options !== 'object') fail('options', 'must be an object.');
  const policy = resolveKeyUrlPolicy(options);
  const issuers = resolveIssuers(options, resolveIssuerDefaults(options), policy);
  const { tokenTypes, requiredClaims } = resolveTokenShape(options);
  const realm = resolveRealm(options.realm ?? 'api');
  const clock = resolveClock(options.clock);
  const { maxAgeSeconds, maxStaleSeconds } = resolveKeyAges(options);
  const dpop = resolveDpop(options.dpop);
  const limits = resolveTokenLimits(options);
  const cache = resolveCache(options.cache);
  const { cooldownMs, timeoutMs } = resolveKeyFetch(options);
  return {
    dpop,
    issuers,
    tokenTypes,
    clockToleranceSeconds: limits.clockToleranceSeconds,
    requiredClaims,
    maxTokenAgeSeconds: limits.maxTokenAgeSeconds,
    maxTokenLength: limits.maxTokenLength,
    cache,
    cooldownMs,
    maxAgeMs: maxAgeSeconds * 1000,
    maxStaleMs: maxStaleSeconds * 1000,
    timeoutMs,
    realm,
    production: policy.production,
    allowHttpKeys: policy.allowHttpKeys,
    clock,
  };
}

function resolveDevIssuer(
  options: AuthModuleOptions,
  defaults: IssuerDefaults,
  production: boolean,
): ResolvedIssuer {
  if (production) {
    fail(
      'AUTH_JWKS_URL',
      'no key source is configured, and the development issuer is refused in production. ' +
        'Set AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL (options issuer, audience, jwksUri).',
    );
  }
  if (options.devIssuer === false) {
    fail(
      'jwksUri',
      'no key source: set jwksUri (AUTH_JWKS_URL), discovery, jwks, publicKeys or secret.',
    );
  }
  const directory = typeof options.devIssuer === 'object' ? options.devIssuer.directory : undefined;
  if (directory !== undefined && (typeof directory !== 'string' || directory === '')) {
    fail('devIssuer.directory', 'must be a non-empty folder path.');
  }
  checkKeyFolder(directory ?? DEV_ISSUER_DIRECTORY);
  const audience = options.audience ?? DEV_AUDIENCE;
  return {
    issuer: options.issuer ?? DEV_ISSUER,
    audience: typeof audience === 'string' ? [audience] : [...audience],
    algorithms: ['ES256'],
    keys: { kind: 'dev', directory: directory ?? DEV_ISSUER_DIRECTORY },
    scopeClaim: defaults.scopeClaim,
    rolesClaim: defaults.rolesClaim,
  };
}

const DPOP_MODES: readonly DpopMode[] = ['off', 'allowed', 'required'];

/** The nonce key from a mounted secret file, surrounding whitespace trimmed. */
function readNonceKeyFile(path: string): Uint8Array {
  if (typeof path !== 'string' || path === '') {
    fail('dpop.nonceKeyFile', 'must be a file path. Set AUTH_DPOP_NONCE_KEY_FILE.');
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    fail(
      'dpop.nonceKeyFile',
      `cannot be read (${code}). Set AUTH_DPOP_NONCE_KEY_FILE to a mounted secret file.`,
    );
  }
  return new TextEncoder().encode(text.trim());
}

/** The key that signs DPoP nonces: from `nonceKeyFile` or `nonceKey`, at least 32 bytes. */
function readNonceKey(dpop: DpopOptions): Uint8Array {
  if (dpop.nonceKey !== undefined && dpop.nonceKeyFile !== undefined) {
    fail('dpop.nonceKey', 'set either nonceKey or nonceKeyFile (AUTH_DPOP_NONCE_KEY_FILE).');
  }
  let key: Uint8Array | undefined;
  if (dpop.nonceKeyFile !== undefined) {
    key = readNonceKeyFile(dpop.nonceKeyFile);
  } else if (dpop.nonceKey !== undefined) {
    key =
      typeof dpop.nonceKey === 'string' ? new TextEncoder().encode(dpop.nonceKey) : dpop.nonceKey;
  }
  if (key === undefined) {
    fail(
      'dpop.nonceKeyFile',
      'is required with AUTH_DPOP_NONCE=true: set AUTH_DPOP_NONCE_KEY_FILE to a file holding ' +
        'at least 32 bytes shared by every replica (options dpop.nonceKeyFile or dpop.nonceKey).',
    );
  }
  if (!(key instanceof Uint8Array) || key.byteLength < 32) {
    fail(
      dpop.nonceKeyFile === undefined ? 'dpop.nonceKey' : 'dpop.nonceKeyFile',
      'must hold at least 32 bytes (AUTH_DPOP_NONCE_KEY_FILE).',
    );
  }
  return key;
}

function dpopMaxAge(value: number | undefined): number {
  if (value === undefined) return 60;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 3600) {
    fail(
      'dpop.maxAgeSeconds',
      'must be a whole number of seconds from 1 to 3600. Set AUTH_DPOP_MAX_AGE_SECONDS or leave it out.',
    );
  }
  return value;
}

/** `dpop.mode`: whether DPoP-bound tokens are refused, accepted, or required. */
function resolveDpopMode(mode: DpopMode | undefined): DpopMode {
  const resolved = mode ?? 'allowed';
  if (!DPOP_MODES.includes(resolved)) {
    fail('dpop.mode', 'must be off, allowed or required. Set AUTH_DPOP=off|allowed|required.');
  }
  return resolved;
}

/** The proof algorithms: asymmetric only (RFC 9449 §4.3: no MAC), each one supported. */
function resolveDpopAlgorithms(input: readonly string[] | undefined): string[] {
  const algorithms = stringList(input, 'dpop.algorithms') ?? [...DEFAULT_ALGORITHMS];
  if (algorithms.some((alg) => alg in HMAC_MIN_BYTES)) {
    fail('dpop.algorithms', 'must list asymmetric algorithms only (RFC 9449 §4.3: no MAC).');
  }
  resolveAlgorithms(algorithms, 'dpop.algorithms', false);
  return algorithms;
}

/** The nonce switch, and at most one replay store: Redis by URL, or the application's own. */
function checkDpopNonceAndReplay(dpop: DpopOptions): void {
  if (dpop.nonce !== undefined && typeof dpop.nonce !== 'boolean') {
    fail('dpop.nonce', 'must be true or false. Set AUTH_DPOP_NONCE=true or false.');
  }
  if (dpop.redis !== undefined && dpop.replayStore !== undefined) {
    fail('dpop.replayStore', 'set either replayStore or redis (REDIS_URL), not both.');
  }
  if (typeof dpop.redis === 'string' && !/^rediss?:\/\//.test(dpop.redis)) {
    fail('dpop.redis', 'must be a redis:// or rediss:// URL. Check REDIS_URL.');
  }
  if (dpop.replayStore !== undefined && typeof dpop.replayStore?.claim !== 'function') {
    fail('dpop.replayStore', 'must have a claim(key, ttlSeconds) method.');
  }
}

/** The trusted proxies, whose forwarded scheme and host give the URL a proof's `htu` must match. */
function resolveDpopProxies(trustProxy: DpopOptions['trustProxy']): ClientAddressResolver {
  try {
    return new ClientAddressResolver((trustProxy ?? false) as TrustProxy);
  } catch {
    fail(
      'dpop.trustProxy',
      'must be false, a hop count or a list of addresses and CIDRs (TRUST_PROXY).',
    );
  }
}

function resolveDpop(input: DpopOptions | undefined): ResolvedDpop {
  const dpop = input ?? {};
  if (dpop === null || typeof dpop !== 'object') fail('dpop', 'must be an object.');
  const mode = resolveDpopMode(dpop.mode);
  const algorithms = resolveDpopAlgorithms(dpop.algorithms);
  checkDpopNonceAndReplay(dpop);
  const proxies = resolveDpopProxies(dpop.trustProxy);
  return {
    mode,
    algorithms,
    maxAgeSeconds: dpopMaxAge(dpop.maxAgeSeconds),
    nonceKey: dpop.nonce === true ? readNonceKey(dpop) : undefined,
    nonceStepSeconds: number(dpop.nonceStepSeconds, 'dpop.nonceStepSeconds', 60, 1, 86_400),
    redis: dpop.redis,
    replayStore: dpop.replayStore,
    replayMaxEntries: number(
      dpop.replayMaxEntries,
      'dpop.replayMaxEntries',
      200_000,
      1,
      100_000_000,
    ),
    replayTimeoutMs: number(dpop.replayTimeoutMs, 'dpop.replayTimeoutMs', 500, 1, 60_000),
    proxies,
  };
}

/**
 * The development key is created lazily, on the first token: a folder that can never hold it
 * (a file, or under a read-only or missing parent) is refused now, at start-up, rather than
 * leaving every request to fail later with a file-system error.
 */
function checkKeyFolder(directory: string): void {
  const folder = resolve(directory);
  let path = folder;
  for (;;) {
    let stats: ReturnType<typeof statSync> | undefined;
    try {
      stats = statSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a parent is a file, which the walk up reports by name.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        fail('devIssuer.directory', `cannot be used (${path}: ${(error as Error).message}).`);
      }
    }
    if (stats !== undefined) {
      if (!stats.isDirectory()) {
        fail(
          'devIssuer.directory',
          `must be a folder, or a path where one can be made; ${path} is not a folder.`,
        );
      }
      // An existing folder may hold a key already; a missing one is made under `path`.
      if (path === folder) return;
      try {
        accessSync(path, constants.W_OK | constants.X_OK);
      } catch {
        fail('devIssuer.directory', `cannot be created: ${path} is not writable by the service.`);
      }
      return;
    }
    const parent = dirname(path);
    if (parent === path) return;
    path = parent;
  }
}
