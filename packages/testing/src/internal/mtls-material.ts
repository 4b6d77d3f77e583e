import type { ClientCertificateHint, MtlsHint } from '../conformance-hints.interface.js';
import { createTestCa } from '../test-ca.js';
import { TestingError } from '../testing.error.js';

/** The certificates of one run's mTLS probes. */
export interface MtlsMaterial {
  readonly serverCa: string;
  readonly client: ClientCertificateHint;
  readonly expired: ClientCertificateHint;
  readonly foreign: ClientCertificateHint;
  readonly clientAuth: 'required' | 'optional';
  /** Removes the CA made for the foreign certificate, if one was. */
  close(): void;
}

function pem(given: ClientCertificateHint | undefined, name: string): void {
  if (given === undefined) return;
  if (
    typeof given.cert !== 'string' ||
    !given.cert.includes('-----BEGIN CERTIFICATE-----') ||
    typeof given.key !== 'string' ||
    !given.key.includes('PRIVATE KEY-----')
  ) {
    throw new TestingError(
      'INVALID_HINTS',
      `hints.mtls.${name}: give { cert, key } as PEM text (a CERTIFICATE and a PRIVATE KEY)`,
    );
  }
}

/** Checks the hint, then issues what it leaves to the test CA; `undefined` when mTLS is off. */
export function resolveMtlsMaterial(hint: MtlsHint | false | undefined): MtlsMaterial | undefined {
  if (hint === undefined || hint === false) return undefined;
  if (typeof hint !== 'object' || hint === null) {
    throw new TestingError(
      'INVALID_HINTS',
      `hints.mtls: give { ca } (the test CA the service trusts) or false; got ${String(hint)}`,
    );
  }
  pem(hint.client, 'client');
  pem(hint.expired, 'expired');
  pem(hint.foreign, 'foreign');
  const ca = hint.ca;
  if (ca !== undefined && typeof ca.issueClient !== 'function') {
    throw new TestingError('INVALID_HINTS', 'hints.mtls.ca: pass a TestCa (createTestCa())');
  }
  if (ca === undefined && (hint.client === undefined || hint.expired === undefined)) {
    throw new TestingError(
      'INVALID_HINTS',
      'hints.mtls.ca: pass the TestCa the service verifies clients against, or give both hints.mtls.client and hints.mtls.expired',
    );
  }
  const serverCa = hint.serverCa ?? ca?.certificate;
  if (typeof serverCa !== 'string' || !serverCa.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TestingError(
      'INVALID_HINTS',
      'hints.mtls.serverCa: give the CA bundle (PEM) the server certificate chains to',
    );
  }
  if (
    hint.clientAuth !== undefined &&
    hint.clientAuth !== 'required' &&
    hint.clientAuth !== 'optional'
  ) {
    throw new TestingError(
      'INVALID_HINTS',
      `hints.mtls.clientAuth: give 'required' or 'optional' (the service's TLS_CLIENT_AUTH); got ${String(hint.clientAuth)}`,
    );
  }
  const issue = hint.certificate ?? {};
  const client = hint.client ?? (ca?.issueClient(issue) as ClientCertificateHint);
  const expired = hint.expired ?? (ca?.issueClient({ ...issue, days: 0 }) as ClientCertificateHint);
  // Another CA with the same subject and SANs: only the issuer differs.
  const other = hint.foreign === undefined ? createTestCa() : undefined;
  let foreign: ClientCertificateHint;
  try {
    foreign = hint.foreign ?? (other?.issueClient(issue) as ClientCertificateHint);
  } catch (error) {
    other?.close();
    throw error;
  }
  return {
    serverCa,
    client,
    expired,
    foreign,
    clientAuth: hint.clientAuth ?? 'required',
    close: () => other?.close(),
  };
}
