import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, createSecureContext, type PeerCertificate } from 'node:tls';
import { peerFromCertificate } from '@bulwark/core/peer';
import { countTlsReloadFailure } from '@bulwark/core/tls';
import { Agent, buildConnector } from 'undici';
import { bareHost, isAllowedAddress } from './address-guard.js';
import type { ResolvedClientOptions } from './resolve-options.js';

/** Marks a connection refused by the address guard, so the call reports it as such. */
export class DestinationRefused extends Error {
  override readonly name = 'DestinationRefused';
}

/** Marks a server certificate that does not name the expected peer. */
export class PeerMismatch extends Error {
  override readonly name = 'PeerMismatch';
}

interface Material {
  ca?: string;
  cert?: string;
  key?: string;
  digest: string;
}

/**
 * The undici agent of one client: TLS material read from files and swapped for a new agent when
 * the files change (the old agent finishes its calls in flight, then closes), the expected-peer
 * check inside the handshake, and, for dynamic hosts, the address guard at connect time.
 */
export class Transport {
  private agent: Agent;
  private tokenAgent: Agent;
  private material: Material;
  private timer: NodeJS.Timeout | undefined;
  private refusedDigest: string | undefined;
  /** Reloads refused because the new files did not form valid material. */
  reloadFailures = 0;
  /** Successful reloads. */
  reloads = 0;

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly onReloadError: (message: string) => void,
  ) {
    this.material = this.readMaterial();
    this.agent = this.createAgent(this.material);
    this.tokenAgent = this.createTokenAgent(this.material);
    const { caFile, certFile, keyFile, reloadIntervalMs } = options.tls;
    if (caFile || certFile || keyFile) {
      this.timer = setInterval(() => this.reload(), reloadIntervalMs);
      this.timer.unref();
    }
  }

  /** Why the material read at start cannot be used, if it cannot. */
  initialProblem(): { file: 'certificate' | 'key'; message: string } | undefined {
    return checkMaterial(this.material);
  }

  /** The agent new calls use. */
  get dispatcher(): Agent {
    return this.agent;
  }

  /**
   * The agent for the token endpoint: the same CA bundle and client certificate, without the
   * downstream's expected peer.
   */
  get tokenDispatcher(): Agent {
    return this.tokenAgent;
  }

  /**
   * Reads the files again and switches to them when they changed and are valid: the bundle and
   * certificate parse and the key matches the certificate. Refused material leaves the previous
   * one in use, is logged once per content and counted in `bulwark_tls_reload_failures_total`.
   */
  reload(): boolean {
    let next: Material;
    try {
      next = this.readMaterial();
    } catch (error) {
      this.refuse('unreadable', 'certificate', (error as Error).message);
      return false;
    }
    if (next.digest === this.material.digest) {
      this.refusedDigest = undefined;
      return false;
    }
    const problem = checkMaterial(next);
    if (problem) {
      this.refuse(next.digest, problem.file, problem.message);
      return false;
    }
    const previous = [this.agent, this.tokenAgent];
    this.material = next;
    this.refusedDigest = undefined;
    this.agent = this.createAgent(next);
    this.tokenAgent = this.createTokenAgent(next);
    this.reloads += 1;
    // Calls in flight finish on the old connections; close() waits for them.
    for (const agent of previous) agent.close().catch(() => undefined);
    return true;
  }

  private refuse(digest: string, file: 'certificate' | 'key', message: string): void {
    if (this.refusedDigest === digest) return;
    this.refusedDigest = digest;
    this.reloadFailures += 1;
    countTlsReloadFailure(file);
    this.onReloadError(
      `TLS files of client ${this.options.name} not reloaded, the previous ones stay in use: ${message}`,
    );
  }

  /** Stops watching and closes the agent after the calls in flight. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.agent.close(), this.tokenAgent.close()]);
  }

  private createTokenAgent(material: Material): Agent {
    return new Agent({
      connect: {
        timeout: this.options.connectMs,
        ...(material.ca ? { ca: material.ca } : {}),
        ...(material.cert ? { cert: material.cert, key: material.key } : {}),
        minVersion: 'TLSv1.2',
        rejectUnauthorized: true,
      },
      headersTimeout: this.options.headersMs,
      bodyTimeout: this.options.totalMs,
    });
  }

  private readMaterial(): Material {
    const { caFile, certFile, keyFile } = this.options.tls;
    const material: Material = { digest: '' };
    const hash = createHash('sha256');
    if (caFile) material.ca = readFileSync(caFile, 'utf8');
    if (certFile) material.cert = readFileSync(certFile, 'utf8');
    if (keyFile) material.key = readFileSync(keyFile, 'utf8');
    hash.update(`${material.ca ?? ''}\0${material.cert ?? ''}\0${material.key ?? ''}`);
    material.digest = hash.digest('hex');
    return material;
  }

  private createAgent(material: Material): Agent {
    const expected = this.options.tls.expectedPeer;
    const base = buildConnector({
      timeout: this.options.connectMs,
      ...(material.ca ? { ca: material.ca } : {}),
      ...(material.cert ? { cert: material.cert, key: material.key } : {}),
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      ...(expected
        ? {
            checkServerIdentity: (host: string, cert: PeerCertificate) =>
              checkPeer(expected, host, cert),
          }
        : {}),
    });
    const dynamic = this.options.dynamic;
    const connect: buildConnector.connector = dynamic
      ? (connectOptions, callback) => {
          const host = bareHost(connectOptions.hostname);
          const literal = isIP(host) !== 0;
          const resolving = literal
            ? Promise.resolve([host])
            : (dynamic.resolve ?? defaultResolve)(host);
          resolving.then(
            (addresses) => {
              const refused = addresses.find(
                (address) => !isAllowedAddress(address, dynamic.allowNetworks),
              );
              const address = addresses[0];
              if (address === undefined || refused !== undefined) {
                callback(
                  new DestinationRefused(
                    address === undefined
                      ? `${host} did not resolve`
                      : `${host} resolves to ${refused}, which is not allowed`,
                  ),
                  null,
                );
                return;
              }
              // Connect to the checked address only: a second lookup could answer otherwise
              // (DNS rebinding). TLS still verifies the certificate against the name.
              base(
                {
                  ...connectOptions,
                  hostname: address,
                  ...(literal ? {} : { servername: host }),
                },
                callback,
              );
            },
            (error: Error) =>
              callback(new DestinationRefused(`${host} did not resolve: ${error.message}`), null),
          );
        }
      : base;
    return new Agent({
      connect,
      headersTimeout: this.options.headersMs,
      bodyTimeout: this.options.totalMs,
    });
  }
}

async function defaultResolve(hostname: string): Promise<readonly string[]> {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}

/** The expected-peer check, run by TLS during the handshake: before any request byte is sent. */
function checkPeer(expected: string, host: string, cert: PeerCertificate): Error | undefined {
  if (expected.startsWith('spiffe://')) {
    if (!cert.raw) return new PeerMismatch('the server sent no certificate');
    const peer = peerFromCertificate(new X509Certificate(cert.raw));
    if (peer.spiffeId !== expected) {
      return new PeerMismatch(
        `the server is ${peer.spiffeId ?? peer.id}, not the expected peer ${expected}`,
      );
    }
    return undefined;
  }
  const mismatch = checkServerIdentity(expected, cert);
  if (mismatch) {
    return new PeerMismatch(
      `the server certificate does not name the expected peer ${expected} (connected to ${host})`,
    );
  }
  return undefined;
}

/** Why new material cannot be used; never quotes key material. */
function checkMaterial(
  material: Material,
): { file: 'certificate' | 'key'; message: string } | undefined {
  try {
    createSecureContext({ ca: material.ca });
  } catch {
    return { file: 'certificate', message: 'the CA bundle does not parse' };
  }
  if (material.cert === undefined) return undefined;
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(material.cert);
  } catch {
    return { file: 'certificate', message: 'the client certificate does not parse' };
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(material.key ?? ''))) {
      return { file: 'key', message: 'the key does not match the client certificate' };
    }
  } catch {
    return { file: 'key', message: 'the key does not parse' };
  }
  return undefined;
}
