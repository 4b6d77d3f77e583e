import type { ConformanceMethod } from '../conformance-hints.interface.js';

/** One answer as the suite saw it; `status` 0 means no answer (timeout or network error). */
export interface Answer {
  readonly request: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly error?: string;
}

export interface SendOptions {
  method?: ConformanceMethod | 'TRACE' | 'OPTIONS';
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
}

/** Sends requests to the service under test and remembers every answer for the leak scan. */
export class HttpClient {
  readonly answers: Answer[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
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
