import { registeredSecretValues, scrubSecrets } from '@bulwark/core/redaction';
import { isSaneRequestId, logCorrelation } from '@bulwark/core/request';
import { HTTP_METHODS } from '@bulwark/core/routes';
import { type Logger, pino } from 'pino';
import { isoNow } from './iso-time.js';
import { boundString } from './redact.js';

/** The fields of one access line, in the order they are written. */
export interface AccessFields {
  requestId: string | undefined;
  method: string | undefined;
  route: string;
  status: number;
  durationMs: number;
  principalId: string | undefined;
  aborted: boolean;
}

/** The `event` of every access line; frozen, so one object serves every line. */
const ACCESS_EVENT = Object.freeze({ kind: 'http.access', category: 'access' });
const MESSAGE = 'request completed';
const INFO = 30;

/**
 * An access line's object as the generic path hands it to `formatters.log`, correlation fields
 * included, with a value for every field: a logger whose key redactor changes any of it must not
 * take the direct path.
 */
export const ACCESS_LINE_SAMPLE: Readonly<Record<string, unknown>> = Object.freeze({
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  span_id: '00f067aa0ba902b7',
  event: ACCESS_EVENT,
  requestId: 'sample',
  method: 'GET',
  route: '/sample',
  status: 200,
  durationMs: 1,
  principalId: 'sample',
  aborted: true,
});

/** Loggers made by `createLogger`, whose line format the access line can be written in directly. */
const KNOWN_FORMAT = new WeakSet<Logger>();

/** Marks a logger made by `createLogger` (its level, time, bindings, mixin and scrubbing). */
export function markKnownFormat(logger: Logger): void {
  KNOWN_FORMAT.add(logger);
}

const METHODS = new Set(HTTP_METHODS);
const MAX_ROUTES = 1024;
const MAX_PRINCIPALS = 1024;

/** What the line scrubber of `createLogger` does to a line: secrets hidden, U+2028/9 escaped. */
function scrubbed(text: string): string {
  let out = scrubSecrets(text);
  if (out.includes('\u2028')) out = out.replace(/\u2028/g, '\\u2028');
  if (out.includes('\u2029')) out = out.replace(/\u2029/g, '\\u2029');
  return out;
}

/** A string value as the line would hold it: bounded, JSON, scrubbed. */
function scrubbedJson(value: string): string {
  return scrubbed(JSON.stringify(boundString(value, scrubSecrets)));
}

/**
 * Builds the function that writes one access line through `logger`. For a logger made by
 * `createLogger`, the line is written straight to its destination in exactly the format pino
 * would give it (level, time, bindings, correlation fields, the access fields, `msg`), without
 * the generic walk of the line: its field names are known not to be sensitive, so only the
 * values that come from a request go through the secret scrubber (`requestId` per line; routes
 * and principals once per value, up to 1,024 of each, until another secret is registered), and
 * the bindings once. Any
 * other logger, one whose `redactKeys` name an access field, and a destination that routes by
 * level (`pino.multistream`) get `logger.info(fields, 'request completed')`.
 */
export function accessLineWriter(logger: Logger): (fields: AccessFields) => void {
  const destination = (logger as unknown as Record<symbol, Record<symbol, unknown> | undefined>)[
    pino.symbols.streamSym
  ];
  // A destination that routes by level (`pino.multistream`) reads the level pino sets on it
  // before each write; only pino's own write sets it.
  const needsMetadata = destination?.[pino.symbols.needsMetadataGsym] === true;
  if (!KNOWN_FORMAT.has(logger) || needsMetadata) {
    return (fields) => {
      const line: Record<string, unknown> = {
        event: ACCESS_EVENT,
        requestId: fields.requestId,
        method: fields.method,
        route: fields.route,
        status: fields.status,
        durationMs: fields.durationMs,
        principalId: fields.principalId,
      };
      if (fields.aborted) line.aborted = true;
      logger.info(line, MESSAGE);
    };
  }
  const stream = (logger as unknown as Record<symbol, { write(line: string): unknown }>)[
    pino.symbols.streamSym
  ] as { write(line: string): unknown };
  // Encoded and scrubbed once per value: routes are few, and a caller sends many requests.
  const routes = new Map<string, string>();
  const principals = new Map<string, string>();
  let secrets = -1;
  let bindings: string | undefined;
  let bindingsJson = '';
  return (fields) => {
    if (logger.levelVal > INFO) return;
    let principalJson: string | undefined;
    // Registered secrets only grow: a new one makes every cached piece stale.
    if (registeredSecretValues().size !== secrets) {
      secrets = registeredSecretValues().size;
      routes.clear();
      principals.clear();
      bindings = undefined;
    }
    const chindings =
      (logger as unknown as Record<symbol, string | undefined>)[pino.symbols.chindingsSym] ?? '';
    if (chindings !== bindings) {
      bindings = chindings;
      bindingsJson = scrubbed(chindings);
    }
    let route = routes.get(fields.route);
    if (route === undefined) {
      route = scrubbedJson(fields.route);
      if (routes.size < MAX_ROUTES) routes.set(fields.route, route);
    }
    let line = `{"level":"info","time":"${isoNow()}"${bindingsJson}`;
    // createLogger's mixin: the correlation fields come first, as pino merges them.
    const mixed = logCorrelation();
    if (mixed !== undefined) {
      for (const key in mixed) {
        const value = mixed[key];
        if (value !== undefined) line += `,${scrubbedJson(key)}:${scrubbedJson(value)}`;
      }
    }
    line += ',"event":{"kind":"http.access","category":"access"}';
    // An id `@bulwark/errors` assigned is 1 to 128 letters, digits and `-_.:`: JSON as it is, but
    // a token shape or a registered secret must still not be written. One set another way
    // (`setRequestId`) is encoded like any other value.
    const id = fields.requestId;
    if (id !== undefined) {
      line += `,"requestId":${isSaneRequestId(id) ? `"${scrubSecrets(id)}"` : scrubbedJson(id)}`;
    }
    const principal = fields.principalId;
    if (principal !== undefined) {
      principalJson = principals.get(principal);
      if (principalJson === undefined) {
        principalJson = scrubbedJson(principal);
        if (principals.size < MAX_PRINCIPALS) principals.set(principal, principalJson);
      }
    }
    if (fields.method !== undefined) {
      line += `,"method":${METHODS.has(fields.method) ? `"${fields.method}"` : scrubbedJson(fields.method)}`;
    }
    line += `,"route":${route},"status":${fields.status},"durationMs":${
      Number.isFinite(fields.durationMs) ? fields.durationMs : 'null'
    }`;
    if (principalJson !== undefined) line += `,"principalId":${principalJson}`;
    if (fields.aborted) line += ',"aborted":true';
    stream.write(`${line},"msg":"${MESSAGE}"}\n`);
  };
}
