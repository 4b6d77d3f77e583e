import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenVerifier } from '../exports/verifier.js';

const LIMIT = 512 * 1024;
const TEN_MB = 10 * 1024 * 1024;

interface StreamingServer {
  readonly url: string;
  /** Body bytes handed to the socket so far. */
  readonly sent: number;
  /** Whether the client closed the connection before the body was complete. */
  readonly cutOff: boolean;
  close(): Promise<void>;
}

/**
 * Streams a 10 MB JSON body slowly, chunked, without Content-Length, respecting backpressure, so
 * that what it manages to send shows how much the client read.
 */
async function startStreamingServer(): Promise<StreamingServer> {
  const chunk = Buffer.alloc(16 * 1024, 0x20);
  let sent = 0;
  let cutOff = false;
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"keys":[],"padding":"');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pump = () => {
      timer = undefined;
      if (response.destroyed) return;
      if (sent >= TEN_MB) {
        response.end('"}');
        return;
      }
      sent += chunk.length;
      // 16 KiB every 2 ms at most, and never faster than the client takes it.
      const next = () => {
        timer = setTimeout(pump, 2);
      };
      if (response.write(chunk)) next();
      else response.once('drain', next);
    };
    response.on('close', () => {
      if (!response.writableFinished) cutOff = true;
      if (timer) clearTimeout(timer);
    });
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get sent() {
      return sent;
    },
    get cutOff() {
      return cutOff;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `text` chunked (no Content-Length), in two writes. */
async function startChunkedServer(text: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const half = Math.floor(text.length / 2);
    response.write(text.slice(0, half));
    response.end(text.slice(half));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Samples `arrayBuffers` (where response bytes live) while `run` runs; returns the peak growth. */
async function peakBufferGrowth(run: () => Promise<void>): Promise<number> {
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }, 5);
  try {
    await run();
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  return peak - baseline;
}

describe('JWKS and discovery responses are read up to a byte limit', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });
  /** A warmed-up verifier whose JWKS is `body`, streamed in chunks without Content-Length. */
  const verifierOfChunked = async (body: string) => {
    const server = await startChunkedServer(body);
    cleanup.push(() => server.close());
    const verifier = new TokenVerifier({
      issuer: server.url,
      audience: 'api',
      jwksUri: `${server.url}/jwks`,
    });
    cleanup.push(async () => verifier.close());
    await verifier.warmUp();
    return { url: server.url, verifier };
  };

  it.each([
    ['a JWKS', (url: string) => ({ jwksUri: `${url}/jwks` })],
    ['a discovery document', () => ({ discovery: true })],
  ])(
    'stops reading %s streamed without Content-Length at the limit and closes the connection',
    async (_label, source) => {
      const server = await startStreamingServer();
      cleanup.push(() => server.close());
      const verifier = new TokenVerifier({
        issuer: server.url,
        audience: 'api',
        ...source(server.url),
        // Long enough that only the byte limit can end the fetch.
        jwksTimeoutSeconds: 120,
      });
      cleanup.push(async () => verifier.close());

      const growth = await peakBufferGrowth(() => verifier.warmUp());

      expect(verifier.readiness()).toMatchObject({ ready: false });
      expect(verifier.readiness().detail).toContain(`is larger than ${LIMIT} bytes`);
      // The client aborted: the server sees its connection closed before the body was complete.
      await vi.waitFor(() => expect(server.cutOff).toBe(true));
      // What the server got to send before the client hung up: the limit plus what the socket
      // buffers held, far from the 10 MB it had to send.
      expect(server.sent).toBeLessThan(TEN_MB / 2);
      // Memory stays flat: the client kept at most about the limit's worth of body.
      expect(growth).toBeLessThan(8 * LIMIT);
    },
  );

  it('counts bytes, not UTF-16 units', async () => {
    // 300,000 characters of two bytes each: under the limit in units, over it in bytes.
    const body = JSON.stringify({ keys: [], padding: 'é'.repeat(300_000) });
    expect(body.length).toBeLessThan(LIMIT);
    expect(Buffer.byteLength(body)).toBeGreaterThan(LIMIT);
    const { url, verifier } = await verifierOfChunked(body);
    expect(verifier.readiness()).toEqual({
      ready: false,
      detail: `${url}: ${url}/jwks is larger than ${LIMIT} bytes`,
    });
  });

  it('still reads a key set under the limit', async () => {
    const body = JSON.stringify({ keys: [], padding: 'é'.repeat(100_000) });
    const { verifier } = await verifierOfChunked(body);
    expect(verifier.readiness()).toEqual({ ready: true });
  });

  it.each([
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'is not UTF-8'],
    ['not JSON', Buffer.from('{"keys": [', 'utf8'), 'is not JSON'],
  ])('fails a body that is %s, saying so', async (_label, bytes, message) => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const verifier = new TokenVerifier({ issuer: url, audience: 'api', jwksUri: `${url}/jwks` });
    cleanup.push(async () => verifier.close());
    await verifier.warmUp();
    expect(verifier.readiness().detail).toBe(`${url}: ${url}/jwks ${message}`);
  });
});
