import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { installedOrSkipped } from './installed.js';

/** A `redis-server` started for one test file. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The loopback port. */
  readonly port: number;
  /** Kills the server (SIGKILL), as an outage would. */
  kill(): Promise<void>;
  /** Starts it again on the same port, after {@link RedisServer.kill}. */
  restart(): Promise<void>;
  /** Stops the server for good. */
  stop(): Promise<void>;
}

/** The `redis-server` binary: `REDIS_SERVER_BIN`, or `redis-server` on the PATH. */
export function redisServerBinary(): string | undefined {
  const candidate = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? candidate : undefined;
}

/**
 * Whether Redis tests can run. When the binary is missing, it warns loudly and returns
 * `false`, so tests can `describe.skipIf(!hasRedis())`; under `CI` it throws instead, because a
 * CI run that skips the Redis tests proves nothing.
 */
export function hasRedis(): boolean {
  return installedOrSkipped(
    redisServerBinary() !== undefined,
    'redis-server was not found: the Redis tests cannot run. Install it (apt-get install -y redis-server) or set REDIS_SERVER_BIN.',
  );
}

/** Finds a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not answer PING on port ${port}`);
}

/**
 * Starts `redis-server` on a free loopback port with persistence off. Call {@link hasRedis}
 * first, or this throws when the binary is missing.
 *
 * @example
 * ```ts
 * let redis: RedisServer;
 * beforeAll(async () => { redis = await startRedis(); });
 * afterAll(() => redis.stop());
 * ```
 */
export async function startRedis(): Promise<RedisServer> {
  const binary = redisServerBinary();
  if (!binary) throw new Error('redis-server was not found; install it or set REDIS_SERVER_BIN');
  const port = await freePort();
  let child: ChildProcess | undefined;

  const launch = async () => {
    child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'yes',
      ],
      { stdio: 'ignore' },
    );
    await waitForPing(port, Date.now() + 10_000);
  };
  const kill = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill('SIGKILL');
    });
  };

  await launch();
  return { url: `redis://127.0.0.1:${port}`, port, kill, restart: launch, stop: kill };
}
