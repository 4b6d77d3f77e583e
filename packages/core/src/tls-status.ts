/**
 * The TLS material a listener is serving, process-wide: filled by `@bulwark/http`, read by
 * `@bulwark/metrics` (`bulwark_tls_certificate_expiry_seconds`,
 * `bulwark_tls_reload_failures_total`). Kept on `globalThis` under a `Symbol.for` key, like the
 * other registries of this package, so two copies of it in one process still agree.
 */

/** One certificate in use, for the expiry metric. */
export interface TlsCertificateStatus {
  /** Which one: `server` (the listener's certificate) or `client_ca` (the client CA bundle). */
  readonly certificate: 'server' | 'client_ca';
  /** Its `notAfter`; for a bundle, the earliest of its certificates. */
  readonly notAfter: Date;
}

interface TlsRegistry {
  owners: Map<object, readonly TlsCertificateStatus[]>;
  failures: Map<string, number>;
}

const KEY = Symbol.for('bulwark.core.tls');

function registry(): TlsRegistry {
  const holder = globalThis as unknown as Record<symbol, TlsRegistry | undefined>;
  holder[KEY] ??= { owners: new Map(), failures: new Map() };
  return holder[KEY];
}

/**
 * Records the certificates `owner` (a listener) now serves, replacing what it served before.
 *
 * @example
 * ```ts
 * reportTlsCertificates(listener, [{ certificate: 'server', notAfter: new Date(cert.validTo) }]);
 * ```
 */
export function reportTlsCertificates(
  owner: object,
  certificates: readonly TlsCertificateStatus[],
): void {
  registry().owners.set(owner, Object.freeze([...certificates]));
}

/** Forgets the certificates of `owner`, when its listener closes. */
export function withdrawTlsCertificates(owner: object): void {
  registry().owners.delete(owner);
}

/** Every certificate reported by a listener still open. */
export function tlsCertificates(): TlsCertificateStatus[] {
  return [...registry().owners.values()].flat();
}

/**
 * Counts a refused replacement of TLS material (a file that does not parse, or a key that does
 * not match its certificate): the old material stayed in use.
 *
 * @param file which material: `certificate`, `key` or `client_ca`.
 */
export function countTlsReloadFailure(file: 'certificate' | 'key' | 'client_ca'): void {
  const failures = registry().failures;
  failures.set(file, (failures.get(file) ?? 0) + 1);
}

/** Refused replacements so far, by file, since the process started. */
export function tlsReloadFailures(): ReadonlyMap<string, number> {
  return registry().failures;
}
