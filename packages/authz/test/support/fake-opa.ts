import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A small HTTP server on loopback playing OPA's data API. */
export interface FakeOpa {
  readonly url: string;
  /** Every `input` received, in order. */
  readonly inputs: unknown[];
  /**
   * `'answer'` decides; `'hang'` never answers (until close); `'error'` answers 500;
   * `'stream'` sends a 10 MB chunked answer with no Content-Length, 64 KiB every 2 ms.
   */
  mode: 'answer' | 'hang' | 'error' | 'stream';
  /** For `'stream'`: resolves with the bytes written once the client closed or all was sent. */
  streamed?: Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts the fake OPA. Its rule at `/v1/data/notes/allow`: allow when the caller's subject is
 * listed in the resource's `readers`.
 */
export async function startFakeOpa(): Promise<FakeOpa> {
  const inputs: unknown[] = [];
  const hanging = new Set<ServerResponse>();
  const state: FakeOpa = {
    url: '',
    inputs,
    mode: 'answer',
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/data/notes/allow') {
        response.writeHead(404).end('{}');
        return;
      }
      const { input } = JSON.parse(body) as {
        input: { principal: { subject: string }; resource: { readers?: string[] } };
      };
      inputs.push(input);
      if (state.mode === 'hang') {
        hanging.add(response);
        return;
      }
      if (state.mode === 'stream') {
        state.streamed = streamTenMegabytes(response);
        return;
      }
      if (state.mode === 'error') {
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"internal"}');
        return;
      }
      const allow = input.resource.readers?.includes(input.principal.subject) === true;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(allow ? { result: true } : {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (state as { url: string }).url = `http://127.0.0.1:${port}`;
  return state;
}

function streamTenMegabytes(response: ServerResponse): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let written = 0;
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('{"result":');
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (response.destroyed || written >= 10 * 1024 * 1024) {
        clearInterval(timer);
        if (!response.destroyed) response.end('true}');
        resolve(written);
        return;
      }
      response.write(chunk);
      written += chunk.length;
    }, 2);
    response.on('close', () => {
      clearInterval(timer);
      resolve(written);
    });
  });
}
