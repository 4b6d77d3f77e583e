import { type Answer, jsonOf } from './http-client.js';

/** Faults of an answer's status; `status` 0 (no answer) is always one. */
export function statusFaults(answer: Answer, expected: number | readonly number[]): string[] {
  if (answer.status === 0) return [answer.error ?? 'no answer'];
  const allowed = typeof expected === 'number' ? [expected] : expected;
  return allowed.includes(answer.status)
    ? []
    : [`status ${answer.status}, expected ${allowed.join(' or ')}`];
}

/** Faults of an RFC 9457 problem details answer, with Bulwark's `requestId` member. */
export function problemFaults(answer: Answer): string[] {
  if (answer.status === 0) return [];
  const faults: string[] = [];
  const type = answer.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/problem+json')) {
    faults.push(`content-type "${type}", expected application/problem+json`);
  }
  const body = jsonOf(answer);
  if (!body) return [...faults, 'body is not a JSON object'];
  // RFC 9457 §3.1: type is a URI reference, title a string, status the HTTP status.
  if (typeof body.type !== 'string' || body.type.length === 0) faults.push('no "type" member');
  if (typeof body.title !== 'string' || body.title.length === 0) faults.push('no "title" member');
  if (body.status !== answer.status)
    faults.push(`"status" ${String(body.status)} differs from ${answer.status}`);
  if (body.detail !== undefined && typeof body.detail !== 'string')
    faults.push('"detail" is not a string');
  if (body.instance !== undefined && typeof body.instance !== 'string')
    faults.push('"instance" is not a string');
  const requestId = answer.headers.get('x-request-id');
  if (!requestId) faults.push('no x-request-id header');
  else if (body.requestId !== requestId)
    faults.push(`"requestId" ${JSON.stringify(body.requestId)} differs from x-request-id`);
  return faults;
}

/** Faults of a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3). */
export function bearerFaults(answer: Answer, error: 'invalid_token' | undefined): string[] {
  if (answer.status === 0) return [];
  const challenge = answer.headers.get('www-authenticate');
  if (!challenge) return ['no WWW-Authenticate header'];
  const faults: string[] = [];
  if (!/^Bearer\b/i.test(challenge))
    faults.push(`WWW-Authenticate "${challenge}" is not a Bearer challenge`);
  if (!/realm="[^"]*"/.test(challenge)) faults.push('WWW-Authenticate has no realm');
  const code = /error="([^"]*)"/.exec(challenge)?.[1];
  // RFC 6750 §3.1: a request without credentials gets no error code.
  if (code !== error)
    faults.push(`WWW-Authenticate error=${code ?? '(none)'}, expected ${error ?? '(none)'}`);
  return faults;
}

const YEAR_SECONDS = 31_536_000;

/** Faults against the API security headers of the Bulwark HTTP contract (DESIGN.md). */
export function headerFaults(answer: Answer, authenticated: boolean): string[] {
  if (answer.status === 0) return [];
  const h = answer.headers;
  const faults: string[] = [];
  const csp = (h.get('content-security-policy') ?? '').toLowerCase();
  if (!/default-src 'none'/.test(csp))
    faults.push(`Content-Security-Policy lacks default-src 'none' (got "${csp}")`);
  if (!/frame-ancestors 'none'/.test(csp))
    faults.push("Content-Security-Policy lacks frame-ancestors 'none'");
  const hsts = h.get('strict-transport-security') ?? '';
  const maxAge = Number(/max-age=(\d+)/i.exec(hsts)?.[1] ?? 0);
  if (maxAge < YEAR_SECONDS)
    faults.push(`Strict-Transport-Security max-age below one year (got "${hsts}")`);
  if ((h.get('x-content-type-options') ?? '').toLowerCase() !== 'nosniff')
    faults.push('X-Content-Type-Options is not nosniff');
  if ((h.get('referrer-policy') ?? '').toLowerCase() !== 'no-referrer')
    faults.push('Referrer-Policy is not no-referrer');
  if (!h.get('cross-origin-resource-policy')) faults.push('no Cross-Origin-Resource-Policy');
  if (h.get('x-powered-by')) faults.push(`X-Powered-By is sent ("${h.get('x-powered-by')}")`);
  const server = h.get('server');
  if (server && /\d/.test(server)) faults.push(`Server header names a version ("${server}")`);
  if (!h.get('x-request-id')) faults.push('no x-request-id header');
  if (authenticated && !/\bno-store\b/i.test(h.get('cache-control') ?? '')) {
    faults.push('authenticated answer without Cache-Control: no-store');
  }
  return faults;
}
