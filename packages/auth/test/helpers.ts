import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MintOptions, TestIssuer } from '@bulwark/testing';
import { TokenVerifier } from '../src/exports/verifier.js';
import { type AuthError, type AuthModuleOptions } from '../src/index.js';

/** A loopback server standing for an attacker's host: it counts every request it gets. */
export interface AttackerServer {
  readonly url: string;
  readonly hits: number;
  close(): Promise<void>;
}

export async function startAttackerServer(body: unknown = { keys: [] }): Promise<AttackerServer> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hits() {
      return hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A settable clock in milliseconds, for the verifier's `clock` option. */
export function manualClock(start = Date.UTC(2030, 0, 1)) {
  let now = start;
  return {
    now: () => now,
    seconds: () => Math.floor(now / 1000),
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}

/**
 * A warmed-up {@link TokenVerifier} for `issuer`'s keys on a {@link manualClock}, with `mint`
 * signing tokens at the clock's time; `options` are added to the verifier's.
 */
export async function clockedVerifier(issuer: TestIssuer, options: AuthModuleOptions = {}) {
  const clock = manualClock();
  const verifier = new TokenVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUri: issuer.jwksUrl,
    clock: clock.now,
    ...options,
  });
  await verifier.warmUp();
  const mint = (mintOptions: MintOptions = {}) =>
    issuer.mint({ now: clock.seconds(), ...mintOptions });
  return { clock, verifier, mint };
}

/** Runs `verify` and returns the refusal reason, failing the test when it resolves. */
export async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as AuthError).reason ?? `not an AuthError: ${String(error)}`;
  }
  return 'accepted';
}

/** Replaces the payload of a compact JWS, keeping header and signature. */
export function withPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
}

/** Decodes the payload of a compact JWS. */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
}
