import { isIP } from 'node:net';

/** A `postgres://` URL taken apart; `password` is never logged. */
export interface ParsedUrl {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  sslmode: string | undefined;
  applicationName: string | undefined;
}

const ALLOWED_PARAMETERS = new Set(['sslmode', 'application_name']);

/**
 * Parses a connection URL. Returns a message naming the fault (never the URL, which may hold a
 * password) when it cannot be used.
 */
export function parseConnectionUrl(text: string): ParsedUrl | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL; use postgres://user@host:5432/database';
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return `must start with postgres:// or postgresql:// (found ${url.protocol}//)`;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return 'has no host; use postgres://user@host:5432/database';
  const port = url.port === '' ? 5432 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return 'has an invalid port';
  for (const key of url.searchParams.keys()) {
    if (!ALLOWED_PARAMETERS.has(key)) {
      return `has the parameter ${key}, which is not supported: only sslmode and application_name are (the CA comes from DATABASE_CA_FILE, the password from the URL or DATABASE_PASSWORD_FILE)`;
    }
  }
  let user: string;
  let password: string | undefined;
  let database: string;
  try {
    user = decodeURIComponent(url.username);
    password = url.password === '' ? undefined : decodeURIComponent(url.password);
    database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    return 'has a badly percent-encoded user, password or database name';
  }
  if (user === '') return 'has no user name; use postgres://user@host:5432/database';
  return {
    host,
    port,
    user,
    password,
    database: database === '' ? user : database,
    sslmode: url.searchParams.get('sslmode') ?? undefined,
    applicationName: url.searchParams.get('application_name') ?? undefined,
  };
}

/** Whether a host name or address is the loopback interface (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost')) return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  if (isIP(lower) === 6) return lower === '::1' || lower === '0:0:0:0:0:0:0:1';
  return false;
}
