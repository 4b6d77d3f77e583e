import type { Agent } from 'node:https';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';

/** Options of {@link tlsGet}. */
export interface TlsGetOptions {
  /** The CA bundle the server certificate must chain to, PEM. */
  readonly ca: string;
  /** A client certificate and key, PEM, for mutual TLS; none by default. */
  readonly client?: { readonly cert: string; readonly key: string };
  /** Request headers, such as `authorization`. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Whether the server certificate is verified against `ca`.
   * @default true
   */
  readonly verify?: boolean;
  /**
   * The agent; `false` (no agent) makes every call a new TLS handshake.
   * @default false
   */
  readonly agent?: Agent | false;
}

/** What {@link tlsGet} answers. */
export interface TlsAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as text. */
  readonly text: string;
  /** SHA-256 of the certificate the server presented, colon-separated hex. */
  readonly serverFingerprint: string;
}

/**
 * `GET https://127.0.0.1:<port><path>` with Node's https client: the server's certificate
 * verified against `ca`, and a client certificate when given.
 *
 * @example
 * ```ts
 * const answer = await tlsGet(port, '/whoami', { ca: ca.certificate, client: ca.issueClient() });
 * expect(answer.status).toBe(200);
 * ```
 */
export function tlsGet(port: number, path: string, options: TlsGetOptions): Promise<TlsAnswer> {
  const { ca, client, headers = {}, verify = true, agent = false } = options;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        ca,
        agent,
        rejectUnauthorized: verify,
        headers,
        ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
      },
      (res) => {
        const serverFingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, serverFingerprint }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}
