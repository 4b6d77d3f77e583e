import { FastifyAdapter } from '@nestjs/platform-fastify';

/** The HTTP adapter this service runs on, chosen when it was generated. */
export const ADAPTER = 'fastify';

/** Creates the HTTP adapter instance. */
export function createHttpAdapter(): FastifyAdapter {
  // The default 1 MiB body limit is far above what this API accepts; BODY_LIMIT_BYTES is
  // enforced by @bulwark/http once it is wired, this is only the adapter's own ceiling.
  return new FastifyAdapter({ bodyLimit: 1_048_576 });
}
