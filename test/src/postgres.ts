import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa } from '@bulwark/testing';
import { installedOrSkipped } from './installed.js';
import { freePort } from './redis.js';

/** A throw-away PostgreSQL cluster (`initdb`) serving TLS on loopback, for one test run. */
export interface PostgresServer {
  /** `127.0.0.1`; the server also listens on `127.0.0.2`, which its certificate does not name. */
  readonly host: string;
  /** The loopback port. */
  readonly port: number;
  /** The superuser's name, `postgres`. */
  readonly superuser: string;
  /** The superuser's password. */
  readonly superuserPassword: string;
  /** The PEM file of the CA that signed the server's certificate (for `localhost` and 127.0.0.1). */
  readonly caFile: string;
  /** The PEM file of another CA, which did not sign it. */
  readonly wrongCaFile: string;
  /** A folder for the test's own files (password files, migrations), removed by `stop`. */
  readonly workDir: string;
  /** `postgres://user:password@127.0.0.1:port/database`, percent-encoded, plus `?query` when given. */
  url(user: string, password: string | undefined, database?: string, query?: string): string;
  /** Stops the server (fast shutdown), as an outage would; the data stays. */
  halt(): Promise<void>;
  /** Starts it again on the same port after {@link PostgresServer.halt}. */
  restart(): Promise<void>;
  /** Stops the server for good and removes its files. */
  stop(): Promise<void>;
}

/** The folder of the PostgreSQL binaries: `PG_BIN_DIR`, `pg_config --bindir`, or Debian's. */
export function postgresBinDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  const probe = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (probe.status === 0) candidates.push(probe.stdout.trim());
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  return candidates.find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')),
  );
}

/**
 * Whether PostgreSQL tests can run. When the binaries are missing, it warns loudly and returns
 * `false`, so tests can `describe.skipIf(!hasPostgres())`; under `CI` it throws instead, because
 * a CI run that skips the database tests proves nothing.
 */
export function hasPostgres(): boolean {
  return installedOrSkipped(
    postgresBinDir() !== undefined,
    'PostgreSQL (initdb, postgres) was not found: the database tests cannot run. Install it (apt-get install -y postgresql) or set PG_BIN_DIR.',
  );
}

/** PostgreSQL refuses to run as root: as root, commands run as the `postgres` user. */
function asServerUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function command(bin: string, args: string[], owner: { uid: number; gid: number } | undefined) {
  return owner
    ? {
        file: 'setpriv',
        args: [
          `--reuid=${owner.uid}`,
          `--regid=${owner.gid}`,
          '--clear-groups',
          '--',
          bin,
          ...args,
        ],
      }
    : { file: bin, args };
}

/** The server's TLS files: from a fresh test CA, and a second CA that did not sign them. */
interface ServerTls {
  readonly caFile: string;
  readonly wrongCaFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Issues a server certificate for localhost and 127.0.0.1 (not 127.0.0.2) from a test CA. */
function makeCertificates(dir: string): ServerTls {
  const ca = createTestCa({ dir });
  const wrongCa = createTestCa({ dir: join(dir, 'wrong-ca') });
  const server = ca.issueServer({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days: 2 });
  return {
    caFile: ca.certificateFile,
    wrongCaFile: wrongCa.certificateFile,
    certFile: server.certFile,
    keyFile: server.keyFile,
  };
}

async function waitUntilReady(
  bin: string,
  port: number,
  child: ChildProcess,
  deadline: number,
): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}`);
    const probe = spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
    if (probe.status === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`postgres did not accept connections on port ${port}`);
}

/**
 * Starts a throw-away cluster: `initdb` in a temporary folder, then `postgres` on a free
 * loopback port with TLS (a fresh test CA), scram-sha-256 passwords, and fsync off. As root, it
 * runs as the `postgres` user. Call {@link hasPostgres} first.
 *
 * @example
 * ```ts
 * let server: PostgresServer;
 * beforeAll(async () => { server = await startPostgres(); });
 * afterAll(() => server.stop());
 * ```
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin)
    throw new Error(
      'PostgreSQL was not found; install it (apt-get install -y postgresql) or set PG_BIN_DIR',
    );
  const owner = asServerUser();
  // As root, the server user must be able to reach the folder: /tmp, whatever TMPDIR says.
  const root = mkdtempSync(join(owner ? '/tmp' : tmpdir(), 'bulwark-pg-'));
  const data = join(root, 'data');
  const tls = join(root, 'tls');
  const socket = join(root, 'socket');
  const workDir = join(root, 'work');
  for (const dir of [tls, socket, workDir]) mkdirOwned(dir, owner);
  if (owner) chownSync(root, owner.uid, owner.gid);
  chmodSync(root, 0o755);

  mkdirSync(join(tls, 'wrong-ca'));
  const certificates = makeCertificates(tls);
  chmodSync(certificates.keyFile, 0o600);
  if (owner) {
    for (const file of [certificates.certFile, certificates.keyFile]) {
      chownSync(file, owner.uid, owner.gid);
    }
  }
  const superuserPassword = `pg-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, superuserPassword, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);

  const init = command(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ],
    owner,
  );
  execFileSync(init.file, init.args, { stdio: 'pipe' });
  writeFileSync(
    join(data, 'pg_hba.conf'),
    [
      'local all all scram-sha-256',
      'hostssl all all 127.0.0.1/32 scram-sha-256',
      'hostssl all all 127.0.0.2/32 scram-sha-256',
      // Plaintext on loopback, for the tests of sslmode=disable.
      'hostnossl all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
  );
  if (owner) chownSync(join(data, 'pg_hba.conf'), owner.uid, owner.gid);

  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const start = command(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1,127.0.0.2',
        '-c',
        `unix_socket_directories=${socket}`,
        '-c',
        'ssl=on',
        '-c',
        `ssl_cert_file=${certificates.certFile}`,
        '-c',
        `ssl_key_file=${certificates.keyFile}`,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
        '-c',
        'log_min_messages=fatal',
      ],
      owner,
    );
    const spawned = spawn(start.file, start.args, { stdio: 'ignore' });
    child = spawned;
    await waitUntilReady(bin, port, spawned, Date.now() + 30_000);
  };
  const halt = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      // SIGINT: fast shutdown, as `pg_ctl stop -m fast` sends; sessions are ended.
      current.kill('SIGINT');
    });
  };
  await launch();
  return {
    host: '127.0.0.1',
    port,
    superuser: 'postgres',
    superuserPassword,
    caFile: certificates.caFile,
    wrongCaFile: certificates.wrongCaFile,
    workDir,
    url: (user, password, database = 'postgres', query) =>
      `postgres://${encodeURIComponent(user)}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${port}/${encodeURIComponent(database)}${query ? `?${query}` : ''}`,
    halt,
    restart: launch,
    stop: async () => {
      await halt();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function mkdirOwned(dir: string, owner: { uid: number; gid: number } | undefined): void {
  mkdirSync(dir, { recursive: true });
  if (owner) chownSync(dir, owner.uid, owner.gid);
}
