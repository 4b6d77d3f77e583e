import { readBodyAtMost } from '@bulwark/core/request';

/** The most bytes a JWKS or discovery response may have. */
export const MAX_KEY_DOCUMENT_BYTES = 512 * 1024;

/** A fetch that got an answer other than 2xx. */
export class FetchStatusError extends Error {
  constructor(
    readonly url: URL,
    readonly status: number,
  ) {
    super(`${url.href} answered ${status}`);
  }
}

/** Options of {@link fetchJsonBounded}. */
export interface BoundedFetchOptions {
  timeoutMs: number;
  maxBytes: number;
}

/**
 * GETs a JSON document, reading at most `maxBytes` bytes of body. A body past the limit, declared
 * by `Content-Length` or not (chunked), fails the fetch at that byte and aborts the connection,
 * so a slow endless stream holds neither memory nor the socket until the timeout.
 */
export async function fetchJsonBounded(url: URL, options: BoundedFetchOptions): Promise<unknown> {
  const controller = new AbortController();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([controller.signal, timeout]);
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal,
    });
    if (!response.ok) throw new FetchStatusError(url, response.status);
    const bytes = await readBodyAtMost(response, options.maxBytes);
    if (bytes === undefined) throw tooLarge(url, options.maxBytes);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (error) {
      throw new Error(`${url.href} is not UTF-8`, { cause: error });
    }
    return JSON.parse(text);
  } catch (error) {
    if (timeout.aborted) {
      throw new Error(`${url.href} did not answer within ${options.timeoutMs} ms`, {
        cause: error,
      });
    }
    if (error instanceof SyntaxError) throw new Error(`${url.href} is not JSON`, { cause: error });
    throw error;
  } finally {
    // Ends the request and its socket when the body was not read to the end.
    controller.abort();
  }
}

function tooLarge(url: URL, maxBytes: number): Error {
  return new Error(`${url.href} is larger than ${maxBytes} bytes`);
}
