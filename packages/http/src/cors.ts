import type { ResolvedSecurityOptions } from './http-options.interface.js';

/** Headers a browser may read from a cross-origin response. */
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'Location',
  'ETag',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'WWW-Authenticate',
];

type OriginCallback = (error: Error | null, allow?: boolean) => void;

/**
 * The options handed to `app.enableCors()` (the `cors` package on Express, `@fastify/cors` on
 * Fastify): an exact allow-list, `null` origins refused, no wildcard with credentials. A
 * refused origin gets no CORS headers, so the browser blocks the read.
 *
 * @example
 * ```ts
 * app.enableCors(corsOptions(resolveSecurityOptions({ corsOrigins: ['https://app.example.com'] })));
 * ```
 */
export function corsOptions(
  options: Pick<ResolvedSecurityOptions, 'corsOrigins' | 'corsCredentials'>,
) {
  const allowed = new Set(options.corsOrigins.map((origin) => origin.toLowerCase()));
  const any = allowed.has('*') && !options.corsCredentials;
  return {
    origin: (origin: string | undefined, callback: OriginCallback) => {
      // An opaque origin ("null") comes from sandboxed frames and local files: anyone can forge it.
      if (origin === undefined || origin === 'null') return callback(null, false);
      callback(null, any || allowed.has(origin.toLowerCase()));
    },
    credentials: options.corsCredentials,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'If-Match', 'If-None-Match'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
}
