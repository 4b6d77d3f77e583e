import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readBodyAtMost } from './bounded-body.js';

const LIMIT = 1024;

interface Served {
  url: string;
  /** Body bytes the server wrote before the client closed the connection or the body ended. */
  written(): number;
  /** Whether the connection closed before the server ended the body. */
  cutOff(): boolean;
  close(): Promise<void>;
}

/** A loopback server that answers every request with `respond`. */
async function serve(respond: (response: ServerResponse, count: (n: number) => void) => void) {
  let written = 0;
  let cutOff = false;
  const server: Server = createServer((_request, response) => {
    response.on('close', () => {
      if (!response.writableFinished) cutOff = true;
    });
    respond(response, (n) => {
      written += n;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const served: Served = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    written: () => written,
    cutOff: () => cutOff,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return served;
}

/** Streams 16 KiB chunks every 2 ms, chunked (no Content-Length), up to 10 MB. */
function endlessStream(response: ServerResponse, count: (n: number) => void): void {
  const chunk = Buffer.alloc(16 * 1024, 0x61);
  response.writeHead(200, { 'content-type': 'application/json' });
  let total = 0;
  const timer = setInterval(() => {
    if (response.destroyed || total >= 10 * 1024 * 1024) {
      clearInterval(timer);
      if (!response.destroyed) response.end();
      return;
    }
    response.write(chunk);
    total += chunk.length;
    count(chunk.length);
  }, 2);
  response.on('close', () => clearInterval(timer));
}

describe('readBodyAtMost', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  async function read(served: Served, maxBytes = LIMIT) {
    cleanup.push(() => served.close());
    const done = new AbortController();
    try {
      const response = await fetch(served.url, { signal: done.signal });
      return await readBodyAtMost(response, maxBytes);
    } finally {
      done.abort();
    }
  }

  it('returns the whole body, as bytes, when it is within the limit', async () => {
    const text = `{"a":"${'é'.repeat(100)}"}`;
    const served = await serve((response) => response.end(text));
    const bytes = await read(served);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(bytes)).toBe(text);
  });

  it('accepts a body of exactly the limit', async () => {
    const served = await serve((response) => response.end(Buffer.alloc(LIMIT, 0x62)));
    expect((await read(served))?.byteLength).toBe(LIMIT);
  });

  it('counts bytes, not UTF-16 units: 600 two-byte characters pass a 1 KiB limit in units, not in bytes', async () => {
    const text = 'é'.repeat(600);
    expect(text.length).toBeLessThan(LIMIT);
    expect(Buffer.byteLength(text)).toBeGreaterThan(LIMIT);
    // Chunked, in two writes, so only the count of what was read can catch it.
    const served = await serve((response) => {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      response.write(text.slice(0, 300));
      response.end(text.slice(300));
    });
    expect(await read(served)).toBeUndefined();
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    const served = await serve((response) => {
      response.writeHead(200, { 'content-length': String(LIMIT + 1) });
      response.end(Buffer.alloc(LIMIT + 1, 0x63));
    });
    expect(await read(served)).toBeUndefined();
  });

  it('stops reading a chunked stream at the limit, and the connection closes long before 10 MB', async () => {
    const served = await serve(endlessStream);
    expect(await read(served, 64 * 1024)).toBeUndefined();
    await vi.waitFor(() => expect(served.cutOff()).toBe(true));
    // The limit plus what the socket buffers held, far from the 10 MB the server had to send.
    expect(served.written()).toBeLessThan(4 * 1024 * 1024);
  });

  it('returns an empty body for a response without one', async () => {
    const served = await serve((response) => {
      response.writeHead(204);
      response.end();
    });
    expect(await read(served)).toEqual(new Uint8Array(0));
  });
});
