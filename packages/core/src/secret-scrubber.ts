import { registeredSecretValues } from './process-registry.js';

/** What a hidden secret or token is replaced with. */
export const REDACTED = '[REDACTED]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Token shapes replaced wherever they appear in a text, even inside a message. */
const TOKEN_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // A JWS/JWE compact serialisation (RFC 7515 §7.1): the header is base64url JSON, `eyJ…`.
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}/g, REDACTED],
  [/\b(Bearer|Basic|Digest|Negotiate)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
];

let secrets: RegExp | undefined;
let seen = -1;

function rebuild(): void {
  seen = registeredSecretValues().size;
  const forms = new Set<string>();
  for (const value of registeredSecretValues()) {
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  const sorted = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  secrets = sorted.length > 0 ? new RegExp(sorted.join('|'), 'g') : undefined;
}

/**
 * Replaces every registered secret value (raw and JSON-escaped, see
 * {@link registerSecretValue}) and every token shape (a compact JWS/JWE, an `Authorization`
 * scheme followed by its credentials) in `text` with `[REDACTED]`. The one scrubber for text
 * that leaves the process: log lines (`@bulwark/logging`) and exported spans
 * (`@bulwark/tracing`) both go through it.
 *
 * Secrets registered later are picked up as they come: the registry only grows, so its size
 * tells when the pattern is stale, and no listener is left behind.
 *
 * @example
 * ```ts
 * scrubSecrets('upstream refused Bearer abc.def.ghi'); // 'upstream refused Bearer [REDACTED]'
 * ```
 */
export function scrubSecrets(text: string): string {
  if (registeredSecretValues().size !== seen) rebuild();
  let out = secrets ? text.replace(secrets, REDACTED) : text;
  for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
