import { locateJsonSyntaxError } from './json-syntax.js';

/**
 * Errors the HTTP frameworks raise while reading a request, before any handler runs: the only
 * errors besides `HttpException` whose status is the client's fault. Any other error with a
 * `status` (an HTTP client's 401 from a dependency, a driver's code) is the service's own
 * failure, and must not become its answer.
 */
export interface RequestError {
  status: number;
  /** A reason for the log that holds no request text (no body, no path parameter). */
  reason: string;
}

/**
 * The `type` of body-parser's and raw-body's errors (Express's default parsers), which they
 * set on errors made by `http-errors`.
 */
const BODY_PARSER_TYPES = new Set([
  'charset.unsupported',
  'encoding.unsupported',
  'entity.parse.failed',
  'entity.too.large',
  'entity.verify.failed',
  'parameters.too.many',
  'querystring.parse.rangeError',
  'request.aborted',
  'request.size.invalid',
  'stream.encoding.set',
  'stream.not.readable',
]);

function clientStatus(error: { status?: unknown; statusCode?: unknown }): number | undefined {
  const value = error.statusCode ?? error.status;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 499
    ? value
    : undefined;
}

/**
 * The status and a safe reason of an error raised by the HTTP framework while reading the
 * request, or `undefined` for any other error.
 */
export function requestError(exception: unknown): RequestError | undefined {
  if (!(exception instanceof Error)) return undefined;
  const error = exception as Error & {
    status?: unknown;
    statusCode?: unknown;
    type?: unknown;
    code?: unknown;
    body?: unknown;
  };
  const status = clientStatus(error);
  if (status === undefined) return undefined;
  if (typeof error.type === 'string' && BODY_PARSER_TYPES.has(error.type)) {
    // body-parser's message for invalid JSON is V8's, which quotes the body: the position is
    // found again in the text it keeps on the error, and nothing else of it is used.
    const syntax =
      error.type === 'entity.parse.failed' && typeof error.body === 'string'
        ? locateJsonSyntaxError(error.body)
        : undefined;
    const where = syntax ? ` (${syntax.kind} at position ${syntax.position})` : '';
    return { status, reason: `body-parser: ${error.type}${where}` };
  }
  // Fastify's content-type parsers and router, and its plugins (multipart), make their errors
  // with @fastify/error: a fixed code, and a message that names no request text.
  if (error.name === 'FastifyError' && typeof error.code === 'string') {
    return { status, reason: `fastify: ${error.code}` };
  }
  // Express's router, for a path parameter that is not valid percent-encoding; its message
  // quotes the parameter.
  if (error instanceof URIError && status === 400) {
    return { status, reason: 'router: a path parameter is not valid percent-encoding' };
  }
  return undefined;
}
