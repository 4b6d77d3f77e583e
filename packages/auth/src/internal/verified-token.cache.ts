import type { Principal } from '@bulwark/core';
import type { KeySource } from './key-sources.js';

/** The sender constraints of a token's `cnf` claim (RFC 9449 §6.1, RFC 8705 §3.1). */
export interface TokenBinding {
  jkt: string | undefined;
  x5t: string | undefined;
}

export interface CachedToken {
  principal: Principal;
  /** The key source that verified it: the entry is only good while those keys are usable. */
  keys: KeySource;
  /** Seconds since the epoch. */
  exp: number;
  nbf: number | undefined;
  iat: number | undefined;
  /** Checked again on every hit: the cache holds the token's verification, never a proof. */
  binding: TokenBinding | undefined;
}

/**
 * A bounded LRU of verified tokens, keyed by a SHA-256 of the token (as Envoy's jwt_authn does):
 * the token itself is never kept, and a key collision would need a SHA-256 collision.
 * A Map iterates in insertion order, so re-inserting on a hit keeps the oldest entry first.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, CachedToken>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedToken | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CachedToken): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
