import { hash } from 'node:crypto';
import { rawRequest } from '@bulwark/core/request';
import { AuthError } from './auth.error.js';
import type { DpopMode, ResolvedAuthOptions } from './auth-options.interface.js';
import {
  type DpopReplayStore,
  MemoryDpopReplayStore,
  RedisDpopReplayStore,
} from './dpop-replay.store.js';
import { DpopNonces } from './internal/dpop-nonce.js';
import {
  type CheckedProof,
  checkProofNow,
  normalizeHtu,
  type ProofPolicy,
} from './internal/dpop-proof.js';
import { memoryReplayKey } from './internal/dpop-replay-key.js';

/** A DPoP proof that passed every check but replay, ready for {@link DpopVerifier.claim}. */
export type VerifiedDpopProof = Readonly<CheckedProof>;

interface RequestLike {
  method?: string;
  url?: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
  socket?: { encrypted?: boolean };
}

/**
 * A `Host` (or `X-Forwarded-Host`) that is only a host and an optional port: a registered name or
 * IPv4 address, or a bracketed IPv6 address. Anything else (`/`, `?`, `#`, `@`) would change the
 * path the request URI is read with, so a proof for one path could pass on another.
 */
const AUTHORITY = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

function replayed(): AuthError {
  return new AuthError('AUTH_INVALID_DPOP_PROOF', 'dpop_proof_replayed', 'DPoP proof replayed');
}

/** The nearest (right-most) value of a header a proxy may have appended to. */
function nearest(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text === undefined) return undefined;
  const last = text.slice(text.lastIndexOf(',') + 1).trim();
  return last === '' ? undefined : last;
}

/**
 * Checks DPoP proofs (RFC 9449) for `TokenVerifier` and the guard: every stateless check of
 * §4.3, server nonces (§9) when on, and single use of each (key, `jti`) pair within the window
 * (§11.1) in the replay store, which is shared across replicas through Redis when configured.
 * Built by `TokenVerifier`; reach it as `verifier.dpop`.
 *
 * @example
 * ```ts
 * const proof = await verifier.dpop.verify(proofJwt, { method: 'GET', htu, accessToken });
 * const principal = await verifier.verify(accessToken, { scheme: 'dpop', dpopJkt: proof.jkt });
 * await verifier.dpop.claim(proof); // throws on a replay
 * ```
 */
export class DpopVerifier {
  /** `off`, `allowed` or `required`. */
  readonly mode: DpopMode;
  /** The `algs` challenge parameter: the accepted proof algorithms, space-separated. */
  readonly algs: string;
  private readonly policy: ProofPolicy;
  private readonly nonces: DpopNonces | undefined;
  private readonly store: DpopReplayStore;
  /** The store, when it is the built-in memory store itself: it answers without a promise. */
  private readonly memoryStore: MemoryDpopReplayStore | undefined;
  private readonly ttlSeconds: number;
  private readonly proxies: ResolvedAuthOptions['dpop']['proxies'];
  private readonly clock: () => number;

  /** @internal Built by `TokenVerifier` from its resolved options. */
  constructor(options: ResolvedAuthOptions) {
    const dpop = options.dpop;
    this.mode = dpop.mode;
    this.algs = dpop.algorithms.join(' ');
    this.policy = {
      algorithms: dpop.algorithms,
      algorithmSet: new Set(dpop.algorithms),
      maxAgeSeconds: dpop.maxAgeSeconds,
      clockToleranceSeconds: options.clockToleranceSeconds,
    };
    this.nonces =
      dpop.nonceKey === undefined
        ? undefined
        : new DpopNonces(dpop.nonceKey, dpop.nonceStepSeconds);
    // A proof is acceptable from `iat - tolerance` to `iat + maxAge + tolerance`, and `iat` is at
    // most `now + tolerance`: remembering it this long from now covers its whole window.
    this.ttlSeconds = dpop.maxAgeSeconds + 2 * options.clockToleranceSeconds;
    this.clock = options.clock;
    this.proxies = dpop.proxies;
    this.store =
      dpop.replayStore ??
      (dpop.redis !== undefined && dpop.mode !== 'off'
        ? new RedisDpopReplayStore({ redis: dpop.redis, timeoutMs: dpop.replayTimeoutMs })
        : new MemoryDpopReplayStore({ maxEntries: dpop.replayMaxEntries, clock: options.clock }));
    // Not a subclass: one could answer `claim` otherwise.
    this.memoryStore =
      Object.getPrototypeOf(this.store) === MemoryDpopReplayStore.prototype
        ? (this.store as MemoryDpopReplayStore)
        : undefined;
  }

  /** Whether server nonces are on (`AUTH_DPOP_NONCE`). */
  get usesNonces(): boolean {
    return this.nonces !== undefined;
  }

  /** The nonce to send in `DPoP-Nonce` now, or `undefined` when nonces are off. */
  currentNonce(): string | undefined {
    return this.nonces?.current(this.clock() / 1000);
  }

  /**
   * The request URI the client targeted, normalized for the `htu` comparison: the scheme and
   * `Host` of this connection, or the nearest `X-Forwarded-Proto` / `X-Forwarded-Host` when the
   * socket peer is a trusted proxy, and the path without query or fragment. `undefined`, which
   * no proof matches, when the host is not a plain host and port.
   */
  requestHtu(request: unknown): string | undefined {
    const raw = rawRequest(request) as unknown as RequestLike;
    const headers = raw.headers;
    let scheme = raw.socket?.encrypted ? 'https' : 'http';
    let host = nearest(headers.host ?? headers[':authority']);
    const forwardedProto = headers['x-forwarded-proto'];
    const forwardedHost = headers['x-forwarded-host'];
    // Without either header the proxy's trust changes nothing, so it is not looked up.
    if (
      (forwardedProto !== undefined || forwardedHost !== undefined) &&
      this.proxies.isTrustedPeer(request)
    ) {
      const proto = nearest(forwardedProto)?.toLowerCase();
      if (proto !== undefined) {
        if (proto !== 'http' && proto !== 'https') return undefined;
        scheme = proto;
      }
      host = nearest(forwardedHost) ?? host;
    }
    const target = raw.originalUrl ?? raw.url ?? '';
    // Origin-form only (RFC 9112 §3.2.1); anything else cannot match a proof's `htu`.
    if (host === undefined || !AUTHORITY.test(host) || !target.startsWith('/')) return undefined;
    const query = target.search(/[?#]/);
    return normalizeHtu(`${scheme}://${host}${query === -1 ? target : target.slice(0, query)}`);
  }

  /**
   * Checks a proof for a request, without recording it. Nonces are checked here, so a client
   * told `use_dpop_nonce` has not spent its `jti`.
   *
   * @throws AuthError `AUTH_INVALID_DPOP_PROOF` with a specific `reason`, or
   * `AUTH_USE_DPOP_NONCE` when nonces are on and the proof lacks the current one.
   */
  async verify(
    proof: string,
    target: { method: string; htu: string | undefined; accessToken: string },
  ): Promise<VerifiedDpopProof> {
    return this.verifyNow(proof, target);
  }

  /**
   * {@link verify}, answered without a promise when it can be: the proof's key verified a proof
   * before and the proof is plain compact JWS (the usual case after a client's first request).
   * Otherwise a promise. A refusal is thrown, or rejects the promise.
   *
   * @throws AuthError as {@link verify}.
   */
  verifyNow(
    proof: string,
    target: { method: string; htu: string | undefined; accessToken: string },
  ): VerifiedDpopProof | Promise<VerifiedDpopProof> {
    const now = this.clock() / 1000;
    const checked = checkProofNow(proof, target, this.policy, now);
    return checked instanceof Promise
      ? checked.then((verified) => this.checkNonce(verified, now))
      : this.checkNonce(checked, now);
  }

  private checkNonce(checked: CheckedProof, now: number): VerifiedDpopProof {
    if (this.nonces && !this.nonces.accepts(checked.nonce, now)) {
      const reason = checked.nonce === undefined ? 'dpop_nonce_required' : 'dpop_nonce_invalid';
      throw new AuthError('AUTH_USE_DPOP_NONCE', reason, `DPoP proof refused: ${reason}`);
    }
    return checked;
  }

  /**
   * Records a verified proof as used, once: the first request with a (key, `jti`) pair within
   * the window passes, every later one is refused, on any replica sharing the store.
   *
   * @throws AuthError `AUTH_INVALID_DPOP_PROOF` (`dpop_proof_replayed`), or
   * `AUTH_DPOP_STORE_UNAVAILABLE` when the store cannot answer.
   */
  async claim(proof: VerifiedDpopProof): Promise<void> {
    return this.claimNow(proof);
  }

  /**
   * {@link claim}, answered without a promise with the built-in memory store (which answers at
   * once); with a promise for any other store. A refusal is thrown, or rejects the promise.
   *
   * @throws AuthError as {@link claim}.
   */
  claimNow(proof: VerifiedDpopProof): void | Promise<void> {
    if (this.memoryStore !== undefined) {
      if (!this.memoryStore.claimNow(memoryReplayKey(proof), this.ttlSeconds)) throw replayed();
      return;
    }
    return this.claimInStore(hash('sha256', `${proof.jkt}.${proof.jti}`, 'base64url'));
  }

  private async claimInStore(key: string): Promise<void> {
    let fresh: boolean;
    try {
      fresh = await this.store.claim(key, this.ttlSeconds);
    } catch (error) {
      if (error instanceof AuthError) throw error;
      throw new AuthError(
        'AUTH_DPOP_STORE_UNAVAILABLE',
        'dpop_replay_store_unavailable',
        'the DPoP replay store could not answer',
        { cause: error },
      );
    }
    if (!fresh) throw replayed();
  }

  /** Closes the replay store's connection, when it owns one. */
  async close(): Promise<void> {
    await this.store.close?.();
  }
}
