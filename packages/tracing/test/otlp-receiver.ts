import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One OTLP/HTTP export request, as received. */
export interface OtlpExport {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A span decoded from an OTLP/JSON export, with its resource attributes. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  resource: Record<string, unknown>;
}

interface OtlpKeyValue {
  key: string;
  value: Record<string, unknown>;
}

function attributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, Object.values(value)[0]]));
}

/** A real OTLP/HTTP receiver on loopback: it accepts every export and keeps it. */
export async function startOtlpReceiver() {
  const exports: OtlpExport[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      exports.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      const json = String(request.headers['content-type']).includes('json');
      response.writeHead(200, {
        'content-type': json ? 'application/json' : 'application/x-protobuf',
      });
      response.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports,
    /** Every span of every OTLP/JSON export received so far. */
    jsonSpans(): ReceivedSpan[] {
      return exports
        .filter((received) => String(received.headers['content-type']).includes('json'))
        .flatMap((received) => JSON.parse(received.body.toString('utf8')).resourceSpans ?? [])
        .flatMap(
          (resourceSpans: {
            resource?: { attributes?: OtlpKeyValue[] };
            scopeSpans?: Array<{ spans?: unknown[] }>;
          }) =>
            (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
              (scope.spans ?? []).map((raw) => {
                const span = raw as Omit<ReceivedSpan, 'attributes' | 'events'> & {
                  attributes?: OtlpKeyValue[];
                  events?: Array<{ name: string; attributes?: OtlpKeyValue[] }>;
                };
                return <ReceivedSpan>{
                  ...span,
                  attributes: attributes(span.attributes),
                  events: (span.events ?? []).map((event) => ({
                    name: event.name,
                    attributes: attributes(event.attributes),
                  })),
                  resource: attributes(resourceSpans.resource?.attributes),
                };
              }),
            ),
        );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
