import { problem } from '@bulwark/core';
import { locateJsonSyntaxError } from './json-syntax.js';

/** Limits applied to every JSON body. */
export interface JsonLimits {
  maxDepth: number;
  maxArrayLength: number;
}

/**
 * Keys refused anywhere in a body. A parsed `__proto__` is an own property, but the first
 * `Object.assign` or spread that copies it replaces a prototype; `constructor.prototype`
 * reaches the same place through a merge.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Depth of `{`/`[` nesting outside strings, stopping as soon as it exceeds `max`. */
function exceedsDepth(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index += 1;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > max) return true;
    } else if (code === 0x7d || code === 0x5d) depth -= 1;
  }
  return false;
}

/** Walks the parsed value without recursion, so that no body can exhaust the stack. */
function checkStructure(value: unknown, limits: JsonLimits): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== 'object') continue;
    if (Array.isArray(current)) {
      if (current.length > limits.maxArrayLength) {
        throw problem('json-limits-exceeded', { reason: `array of ${current.length} elements` });
      }
      for (const item of current) pending.push(item);
      continue;
    }
    for (const key of Object.keys(current)) {
      if (FORBIDDEN_KEYS.has(key)) throw problem('forbidden-json-key', { reason: `key ${key}` });
      pending.push((current as Record<string, unknown>)[key]);
    }
  }
}

/**
 * Decodes and parses a JSON body under the limits: strict UTF-8 (RFC 8259 §8.1), a depth
 * checked on the text before `JSON.parse` runs, array lengths and forbidden keys checked on
 * the result. Throws a `ProblemException` (400) naming no part of the input, neither in its
 * body nor in its reason (a syntax error is logged as a position and a kind).
 */
export function parseJsonBody(body: Uint8Array, limits: JsonLimits): unknown {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw problem('invalid-json', { reason: 'body is not valid UTF-8' });
  }
  if (text.trim() === '') throw problem('invalid-json', { reason: 'empty body' });
  if (exceedsDepth(text, limits.maxDepth)) {
    throw problem('json-limits-exceeded', { reason: `nesting deeper than ${limits.maxDepth}` });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not V8's message: it quotes the body around the error, and bodies hold passwords.
    const where = locateJsonSyntaxError(text);
    throw problem('invalid-json', {
      reason: where
        ? `JSON syntax: ${where.kind} at position ${where.position}`
        : 'JSON syntax error',
    });
  }
  checkStructure(value, limits);
  return value;
}

/** The media type of a `Content-Type` header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** `application/json` or a structured `+json` type (RFC 6839 §3.1). */
export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}

/**
 * Why a body with these headers is refused with 415, or `undefined`: only uncompressed
 * UTF-8 JSON is accepted (a `charset` other than UTF-8, or any content coding, is refused,
 * RFC 9110 §15.5.16).
 */
export function unsupportedBodyReason(headers: {
  'content-type'?: string | undefined;
  'content-encoding'?: string | undefined;
}): string | undefined {
  const type = mediaType(headers['content-type']);
  if (!isJsonMediaType(type)) return `content type "${type.slice(0, 64)}"`;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    return `charset "${charset.slice(0, 32)}"`;
  }
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== '')
    return `content encoding "${encoding.slice(0, 32)}"`;
  return undefined;
}
