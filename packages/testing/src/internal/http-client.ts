import { request as httpsRequest } from 'node:https';
import type { ConformanceMethod } from '../conformance-hints.interface.js';

/** One answer as the suite saw it; `status` 0 means no answer (timeout or network error). */
export interface Answer {
  readonly request: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly error?: string;
}

/** A client certificate and its private key, PEM. */
export interface TlsIdentity {
  readonly cert: string;
  readonly key: string;
}

/** How requests to an https service under test are made when its TLS is our own (mTLS). */
export interface TlsSettings {
  /** The CA bundle the server certificate is verified against. */
  readonly ca: string;
  /** The certificate sent when a request does not name one. */
  readonly client: TlsIdentity;
}

export interface SendOptions {
  method?: ConformanceMethod | 'TRACE' | 'OPTIONS';
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  /** The client certificate of this request; `null` sends none. Needs {@link TlsSettings}. */
  client?: TlsIdentity | null;
}

/** Sends requests to the service under test and remembers every answer for the leak scan. */
export class HttpClient {
  readonly answers: Answer[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly tls?: TlsSettings,
  ) {}

  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.baseUrl}${path}`;
  }

  async send(path: string, options: SendOptions = {}): Promise<Answer> {
    const method = options.method ?? 'GET';
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      body = options.rawBody ?? JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const request = `${method} ${path}`;
    let answer: Answer;
    if (this.tls !== undefined) {
      const client = options.client === undefined ? this.tls.client : options.client;
      answer = await this.sendTls(request, method, path, headers, body, client);
      this.answers.push(answer);
      return answer;
    }
    try {
      const response = await fetch(this.url(path), {
        method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      answer = {
        request,
        status: response.status,
        headers: response.headers,
        text: await response.text(),
      };
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : String((error as Error).message);
      answer = { request, status: 0, headers: new Headers(), text: '', error: reason };
    }
    this.answers.push(answer);
    return answer;
  }

  // fetch cannot present a client certificate without undici's Agent, so mTLS goes over
  // node:https; a fresh connection each time (agent: false) keeps certificates and sessions
  // from one request out of the next.
  private sendTls(
    request: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    client: TlsIdentity | null,
  ): Promise<Answer> {
    const tls = this.tls as TlsSettings;
    return new Promise<Answer>((resolve) => {
      let settled = false;
      const finish = (answer: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(answer);
      };
      const failed = (reason: string) =>
        finish({ request, status: 0, headers: new Headers(), text: '', error: reason });
      const req = httpsRequest(
        this.url(path),
        {
          method,
          headers,
          agent: false,
          ca: tls.ca,
          ...(client === null ? {} : { cert: client.cert, key: client.key }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => failed(error.message));
          res.on('end', () => {
            const received = new Headers();
            for (let index = 0; index + 1 < res.rawHeaders.length; index += 2) {
              received.append(res.rawHeaders[index] as string, res.rawHeaders[index + 1] as string);
            }
            finish({
              request,
              status: res.statusCode ?? 0,
              headers: received,
              text: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      const timer = setTimeout(() => {
        failed(`no answer within ${this.timeoutMs} ms`);
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (error) => failed(error.message));
      req.end(body);
    });
  }
}

/** Parses a JSON body, or returns `undefined`. */
export function jsonOf(answer: Answer): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(answer.text) as unknown;
    return value !== null && typeof value === 'object'
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A short description of an answer for a failure message. */
export function describeAnswer(answer: Answer): string {
  if (answer.status === 0) return `${answer.request}: ${answer.error}`;
  const excerpt = answer.text.length > 160 ? `${answer.text.slice(0, 160)}…` : answer.text;
  return `${answer.request} → ${answer.status} ${excerpt}`;
}
