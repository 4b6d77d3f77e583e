import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestingError } from './testing.error.js';

/**
 * Options of {@link createTestCa}.
 *
 * @example
 * ```ts
 * const ca = createTestCa({ trustDomain: 'cluster.local' });
 * ```
 */
export interface TestCaOptions {
  /**
   * The SPIFFE trust domain of {@link TestCa.spiffeId}.
   * @default 'cluster.local'
   */
  trustDomain?: string;
  /**
   * Where key and certificate files are written; removed by `close()` only when created here.
   * @default a new directory under the system temp directory
   */
  dir?: string;
}

/** Options of {@link TestCa.issueServer} and {@link TestCa.issueClient}. */
export interface IssueOptions {
  /**
   * The URI SAN, usually a SPIFFE ID (`spiffe://cluster.local/ns/orders/sa/orders`).
   * @default none for a server; `spiffe://<trustDomain>/ns/test/sa/client` for a client
   */
  spiffeId?: string;
  /**
   * DNS SANs.
   * @default `['localhost']` for a server, none for a client
   */
  dnsNames?: readonly string[];
  /**
   * IP SANs.
   * @default `['127.0.0.1', '::1']` for a server, none for a client
   */
  ipAddresses?: readonly string[];
  /**
   * The subject's common name (letters, digits, `.`, `-`, `_` and spaces).
   * @default 'localhost' for a server, 'client' for a client
   */
  commonName?: string;
  /**
   * The subject's organization (`O`), before the common name: letters, digits, spaces and
   * `.`, `,`, `-`, `_`. A comma tests a reader's escaping (RFC 4514 writes it `\,`).
   * @default none
   */
  organization?: string;
  /**
   * Validity in days from now. `0` or less issues a certificate that has already expired.
   * @default 1
   */
  days?: number;
  /**
   * Extended key usages. A workload certificate that both serves and calls (a SPIFFE X.509-SVID)
   * has both: `['serverAuth', 'clientAuth']`.
   * @default `['serverAuth']` for a server, `['clientAuth']` for a client
   */
  extendedKeyUsage?: readonly ('serverAuth' | 'clientAuth')[];
}

/** A key pair and certificate issued by a {@link TestCa}, as PEM text and as files. */
export interface IssuedCertificate {
  /** The certificate, PEM. */
  readonly cert: string;
  /** The private key, PKCS #8 PEM. */
  readonly key: string;
  /** A file holding {@link cert}. */
  readonly certFile: string;
  /** A file holding {@link key}. */
  readonly keyFile: string;
  /** SHA-256 of the certificate's DER, lowercase hex (the XFCC `Hash`, `Peer.fingerprintSha256`). */
  readonly fingerprintSha256: string;
  /** The same digest base64url-encoded: RFC 8705 `x5t#S256`. */
  readonly thumbprint: string;
}

/**
 * A certificate authority for tests, made with the `openssl` command: EC P-256 keys, server
 * certificates for loopback and client certificates carrying a SPIFFE ID as their URI SAN.
 */
export interface TestCa {
  /** The directory its files are in. */
  readonly dir: string;
  /** The current CA certificate, PEM: the bundle a server verifies clients against. */
  readonly certificate: string;
  /** A file holding {@link certificate}; rewritten by {@link rotate}. */
  readonly certificateFile: string;
  /** The SPIFFE ID `spiffe://<trustDomain>/ns/<namespace>/sa/<account>`. */
  spiffeId(namespace: string, serviceAccount: string): string;
  /** Issues a server certificate (EKU `serverAuth`). */
  issueServer(options?: IssueOptions): IssuedCertificate;
  /** Issues a client certificate (EKU `clientAuth`). */
  issueClient(options?: IssueOptions): IssuedCertificate;
  /**
   * Replaces the CA key and certificate: certificates issued before no longer chain to
   * {@link certificate}, as after a CA rotation.
   */
  rotate(): void;
  /** Removes the directory when this CA created it. */
  close(): void;
}

const COMMON_NAME = /^[A-Za-z0-9._ -]{1,64}$/;
const ORGANIZATION = /^[A-Za-z0-9.,_ -]{1,64}$/;
const SAN_VALUE = /^[^,\s]{1,255}$/;

function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new TestingError(
      'OPENSSL_FAILED',
      `openssl ${args[0]} failed: ${stderr || (error as Error).message}`,
      { cause: error },
    );
  }
}

function checkSan(kind: string, values: readonly string[]): void {
  for (const value of values) {
    if (!SAN_VALUE.test(value)) {
      throw new TestingError(
        'INVALID_CERTIFICATE_OPTIONS',
        `${kind} "${value}" must be 1 to 255 characters without commas or spaces`,
      );
    }
  }
}

/**
 * Creates a test CA. Needs the `openssl` command on `PATH` (1.1.1 or later).
 *
 * @throws TestingError `OPENSSL_FAILED` when openssl is missing or refuses, naming the command.
 * @example
 * ```ts
 * const ca = createTestCa();
 * const server = ca.issueServer();
 * const client = ca.issueClient({ spiffeId: ca.spiffeId('orders', 'orders') });
 * const expired = ca.issueClient({ days: 0 });
 * https.createServer({ key: server.key, cert: server.cert, ca: ca.certificate, requestCert: true });
 * ca.close();
 * ```
 */
export function createTestCa(options: TestCaOptions = {}): TestCa {
  const trustDomain = options.trustDomain ?? 'cluster.local';
  checkSan('trustDomain', [trustDomain]);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'bulwark-test-ca-'));
  const owned = options.dir === undefined;
  const certificateFile = join(dir, 'ca.pem');
  let generation = 0;
  let serial = 0;
  let caKey = '';
  let certificate = '';

  const makeCa = () => {
    generation += 1;
    caKey = join(dir, `ca-${generation}.key`);
    const caCert = join(dir, `ca-${generation}.pem`);
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        caKey,
        '-out',
        caCert,
        '-days',
        '2',
        '-subj',
        `/CN=Bulwark Test CA ${generation}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    certificate = readFileSync(caCert, 'utf8');
    writeFileSync(certificateFile, certificate);
  };

  const issue = (usage: 'serverAuth' | 'clientAuth', given: IssueOptions): IssuedCertificate => {
    const isServer = usage === 'serverAuth';
    const commonName = given.commonName ?? (isServer ? 'localhost' : 'client');
    if (!COMMON_NAME.test(commonName)) {
      throw new TestingError(
        'INVALID_CERTIFICATE_OPTIONS',
        `commonName "${commonName}" must be 1 to 64 letters, digits, ".", "-", "_" or spaces`,
      );
    }
    const { organization } = given;
    if (organization !== undefined && !ORGANIZATION.test(organization)) {
      throw new TestingError(
        'INVALID_CERTIFICATE_OPTIONS',
        `organization "${organization}" must be 1 to 64 letters, digits, ".", ",", "-", "_" or spaces`,
      );
    }
    const spiffeId =
      given.spiffeId ?? (isServer ? undefined : `spiffe://${trustDomain}/ns/test/sa/client`);
    const dnsNames = given.dnsNames ?? (isServer ? ['localhost'] : []);
    const ipAddresses = given.ipAddresses ?? (isServer ? ['127.0.0.1', '::1'] : []);
    checkSan('spiffeId', spiffeId === undefined ? [] : [spiffeId]);
    checkSan('dnsNames', dnsNames);
    checkSan('ipAddresses', ipAddresses);
    const eku = [...new Set(given.extendedKeyUsage ?? [usage])];
    if (eku.length === 0 || eku.some((u) => u !== 'serverAuth' && u !== 'clientAuth')) {
      throw new TestingError(
        'INVALID_CERTIFICATE_OPTIONS',
        "extendedKeyUsage must list 'serverAuth' and/or 'clientAuth'",
      );
    }
    const days = given.days ?? 1;
    if (!Number.isInteger(days) || days > 3650) {
      throw new TestingError('INVALID_CERTIFICATE_OPTIONS', 'days must be an integer up to 3650');
    }
    serial += 1;
    const base = join(dir, `${isServer ? 'server' : 'client'}-${generation}-${serial}`);
    const sans = [
      ...(spiffeId === undefined ? [] : [`URI:${spiffeId}`]),
      ...dnsNames.map((name) => `DNS:${name}`),
      ...ipAddresses.map((ip) => `IP:${ip}`),
    ];
    writeFileSync(
      `${base}.ext`,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        `extendedKeyUsage=${eku.join(',')}`,
        ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
        '',
      ].join('\n'),
    );
    openssl(
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        `${base}.key`,
        '-out',
        `${base}.csr`,
        '-subj',
        `${organization === undefined ? '' : `/O=${organization}`}/CN=${commonName}`,
      ],
      dir,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        certificateFile,
        '-CAkey',
        caKey,
        '-set_serial',
        `0x${randomBytes(16)
          .toString('hex')
          .replace(/^[89a-f]/, '1')}`,
        // days 0 or less: notAfter lies in the past, so the certificate has already expired.
        '-days',
        String(days > 0 ? days : days - 1),
        '-sha256',
        '-extfile',
        `${base}.ext`,
        '-out',
        `${base}.pem`,
      ],
      dir,
    );
    const cert = readFileSync(`${base}.pem`, 'utf8');
    const der = new X509Certificate(cert).raw;
    return Object.freeze({
      cert,
      key: readFileSync(`${base}.key`, 'utf8'),
      certFile: `${base}.pem`,
      keyFile: `${base}.key`,
      fingerprintSha256: createHash('sha256').update(der).digest('hex'),
      thumbprint: createHash('sha256').update(der).digest('base64url'),
    });
  };

  makeCa();
  return {
    dir,
    get certificate() {
      return certificate;
    },
    certificateFile,
    spiffeId: (namespace, serviceAccount) =>
      `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`,
    issueServer: (given = {}) => issue('serverAuth', given),
    issueClient: (given = {}) => issue('clientAuth', given),
    rotate: makeCa,
    close: () => {
      if (owned) rmSync(dir, { recursive: true, force: true });
    },
  };
}
