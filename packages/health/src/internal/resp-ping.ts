import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { HealthError } from '../health.error.js';

/** A parsed `redis://` URL: what a PING needs, nothing more. */
export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
}

/** Parses a `redis://` or `rediss://` URL, or returns the reason it cannot. */
export function parseRedisUrl(url: string): RedisTarget | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return 'must start with redis:// or rediss://';
  }
  if (!parsed.hostname) return 'has no host';
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const target: RedisTarget = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    tls: parsed.protocol === 'rediss:',
  };
  if (parsed.username) target.username = decodeURIComponent(parsed.username);
  if (parsed.password) target.password = decodeURIComponent(parsed.password);
  return target;
}

/** One RESP array of bulk strings (RESP2 request encoding). */
function command(...parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

/**
 * Opens a connection, authenticates when the URL carries credentials, sends PING, and resolves
 * once the server answers `+PONG`. The socket is always destroyed, and `signal` aborts it.
 */
export function respPing(target: RedisTarget, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const requests: string[] = [];
    if (target.password !== undefined) {
      requests.push(
        target.username === undefined
          ? command('AUTH', target.password)
          : command('AUTH', target.username, target.password),
      );
    }
    requests.push(command('PING'));
    const expected = requests.length;

    const options = { host: target.host, port: target.port };
    const socket: Socket = target.tls
      ? connectTls({ ...options, servername: target.host })
      : connectTcp(options);
    let buffered = '';
    const finish = (error?: Error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish(new HealthError('HEALTH_CHECK_TIMEOUT', 'Redis PING aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    socket.setNoDelay(true);
    socket.once(target.tls ? 'secureConnect' : 'connect', () => socket.write(requests.join('')));
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      // AUTH and PING both answer with one simple string or error line (RESP2).
      const lines = buffered.split('\r\n').slice(0, -1);
      const failure = lines.find((line) => line.startsWith('-'));
      if (failure) {
        finish(new HealthError('HEALTH_REDIS_UNAVAILABLE', `Redis answered ${failure.slice(1)}`));
      } else if (lines.length >= expected) {
        const last = lines[expected - 1];
        finish(
          last === '+PONG'
            ? undefined
            : new HealthError('HEALTH_REDIS_UNAVAILABLE', `unexpected PING reply ${last}`),
        );
      }
    });
    socket.once('error', (error) =>
      finish(new HealthError('HEALTH_REDIS_UNAVAILABLE', error.message, { cause: error })),
    );
    socket.once('close', () =>
      finish(new HealthError('HEALTH_REDIS_UNAVAILABLE', 'Redis closed the connection')),
    );
  });
}
