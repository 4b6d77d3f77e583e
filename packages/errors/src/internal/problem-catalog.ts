import { STATUS_CODES } from 'node:http';
import { ProblemException } from '@bulwark/core';

/** The problem kinds `@bulwark/errors` produces itself. */
export type OwnProblemKind =
  | 'invalid-json'
  | 'json-limits-exceeded'
  | 'forbidden-json-key'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'validation-failed';

interface CatalogEntry {
  status: number;
  title: string;
  detail: string;
}

const OWN: Record<OwnProblemKind, CatalogEntry> = {
  'invalid-json': {
    status: 400,
    title: 'Invalid JSON',
    detail: 'The request body could not be parsed as JSON.',
  },
  'json-limits-exceeded': {
    status: 400,
    title: 'JSON Limits Exceeded',
    detail: 'The JSON body is nested too deeply or holds an array that is too long.',
  },
  'forbidden-json-key': {
    status: 400,
    title: 'Forbidden JSON Key',
    detail: 'The JSON body contains a "__proto__" or "constructor" key, which is not accepted.',
  },
  'payload-too-large': {
    status: 413,
    title: 'Content Too Large',
    detail: 'The request body is larger than this service accepts.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported Media Type',
    detail: 'Send the request body as UTF-8 JSON (Content-Type: application/json), uncompressed.',
  },
  'validation-failed': {
    status: 400,
    title: 'Validation Failed',
    detail: 'The request has invalid or unknown fields.',
  },
};

/** Builds one of the problems `@bulwark/errors` raises itself. */
export function ownProblem(
  kind: OwnProblemKind,
  reason: string,
  extras: { detail?: string; extensions?: Record<string, unknown> } = {},
): ProblemException {
  const entry = OWN[kind];
  return new ProblemException({
    kind,
    status: entry.status,
    title: entry.title,
    detail: extras.detail ?? entry.detail,
    extensions: extras.extensions,
    reason,
  });
}

interface StatusEntry {
  kind: string;
  detail: string;
}

/** Stable kinds and safe details for the statuses an HttpException commonly carries. */
const BY_STATUS: Record<number, StatusEntry> = {
  400: { kind: 'bad-request', detail: 'The request is malformed.' },
  401: { kind: 'unauthorized', detail: 'Authentication is required.' },
  403: { kind: 'forbidden', detail: 'You are not allowed to do this.' },
  404: { kind: 'not-found', detail: 'No resource matches the request.' },
  405: { kind: 'method-not-allowed', detail: 'The method is not allowed on this resource.' },
  406: { kind: 'not-acceptable', detail: 'No acceptable representation is available.' },
  408: { kind: 'request-timeout', detail: 'The request took too long to arrive.' },
  409: { kind: 'conflict', detail: 'The request conflicts with the current state.' },
  410: { kind: 'gone', detail: 'The resource is gone.' },
  411: { kind: 'length-required', detail: 'A Content-Length header is required.' },
  412: { kind: 'precondition-failed', detail: 'A precondition failed.' },
  413: { kind: 'payload-too-large', detail: OWN['payload-too-large'].detail },
  414: { kind: 'uri-too-long', detail: 'The request URI is too long.' },
  415: { kind: 'unsupported-media-type', detail: OWN['unsupported-media-type'].detail },
  422: { kind: 'unprocessable-content', detail: 'The request could not be processed.' },
  429: { kind: 'too-many-requests', detail: 'Too many requests; retry later.' },
  431: {
    kind: 'request-header-fields-too-large',
    detail: 'The request headers are too large.',
  },
  500: {
    kind: 'internal',
    detail: 'An unexpected error occurred. Quote the request id when reporting it.',
  },
  501: { kind: 'not-implemented', detail: 'This is not implemented.' },
  502: { kind: 'bad-gateway', detail: 'An upstream service failed.' },
  503: { kind: 'service-unavailable', detail: 'The service is unavailable; retry later.' },
  504: { kind: 'gateway-timeout', detail: 'An upstream service timed out.' },
};

/** The problem for a bare status: a stable kind, the standard title and a generic detail. */
export function statusProblem(status: number): {
  kind: string;
  title: string;
  detail: string;
} {
  const entry = BY_STATUS[status];
  const title = STATUS_CODES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
  if (entry) return { kind: entry.kind, title, detail: entry.detail };
  return {
    kind: `http-${status}`,
    title,
    detail: status >= 500 ? (BY_STATUS[500]?.detail ?? '') : 'The request could not be processed.',
  };
}
