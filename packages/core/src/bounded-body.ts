/**
 * Reads a fetch `Response` body up to `maxBytes` bytes (bytes, not UTF-16 units). Returns the
 * bytes, or `undefined` as soon as the body passes the limit, declared by `Content-Length` or
 * not (chunked): the rest is never read and the body is cancelled, so an endless or slow stream
 * holds neither memory nor the socket. Abort the request's signal afterwards to close it.
 *
 * `@bulwark/auth` reads JWKS and discovery documents with it, `@bulwark/authz` OPA answers.
 *
 * @example
 * ```ts
 * const bytes = await readBodyAtMost(await fetch(url, { signal }), 64 * 1024);
 * if (bytes === undefined) throw new Error('answer too large');
 * ```
 */
export async function readBodyAtMost(
  response: Response,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    if (declared > maxBytes) return undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) return undefined;
      chunks.push(value);
    }
  } finally {
    // Cancelling an unfinished body stops undici reading from the socket.
    void reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
