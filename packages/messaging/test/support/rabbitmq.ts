import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { freePort, installedOrSkipped } from '@bulwark/test-harness';

/** Where Debian puts the scripts that run the broker as the calling user (not the service wrapper). */
const RABBITMQ_BIN = process.env.RABBITMQ_BIN_DIR ?? '/usr/lib/rabbitmq/bin';

/** A broker user authenticated by its certificate's SAN URI, and its vhost permissions. */
export interface BrokerUser {
  name: string;
  configure: string;
  write: string;
  read: string;
}

/** Settings of {@link startRabbitMq}. */
export interface RabbitMqOptions {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  users: readonly BrokerUser[];
}

/** A throw-away `rabbitmq-server` node, TLS only, EXTERNAL authentication only. */
export interface RabbitMq {
  readonly port: number;
  readonly nodename: string;
  /** The environment `rabbitmqctl` needs to reach this node (cookie home, epmd port). */
  readonly ctlEnv: Record<string, string>;
  /** Runs `rabbitmqctl` against this node. */
  ctl(args: readonly string[]): Promise<string>;
  /** Stops and removes the node and its files. */
  stop(): Promise<void>;
}

/** Whether the broker scripts are installed. */
export function rabbitMqInstalled(): boolean {
  return existsSync(join(RABBITMQ_BIN, 'rabbitmq-server'));
}

/**
 * Whether the broker tests can run. Without the broker it warns and returns `false`; under `CI`
 * it throws, because a CI run that skips the broker tests proves nothing.
 */
export function hasRabbitMq(): boolean {
  return installedOrSkipped(
    rabbitMqInstalled(),
    `rabbitmq-server was not found in ${RABBITMQ_BIN}: the broker tests cannot run. Install it (apt-get install -y rabbitmq-server) or set RABBITMQ_BIN_DIR.`,
  );
}

function config(options: RabbitMqOptions, port: number, distPort: number, defs: string): string {
  return [
    'listeners.tcp = none',
    `listeners.ssl.default = 127.0.0.1:${port}`,
    `ssl_options.cacertfile = ${options.caFile}`,
    `ssl_options.certfile = ${options.certFile}`,
    `ssl_options.keyfile = ${options.keyFile}`,
    'ssl_options.verify = verify_peer',
    'ssl_options.fail_if_no_peer_cert = true',
    'ssl_options.versions.1 = tlsv1.3',
    'ssl_options.versions.2 = tlsv1.2',
    'auth_mechanisms.1 = EXTERNAL',
    'ssl_cert_login_from = subject_alternative_name',
    'ssl_cert_login_san_type = uri',
    'ssl_cert_login_san_index = 0',
    `load_definitions = ${defs}`,
    'loopback_users = none',
    'log.console = false',
    'log.file.level = warning',
    'distribution.listener.interface = 127.0.0.1',
    `distribution.listener.port_range.min = ${distPort}`,
    `distribution.listener.port_range.max = ${distPort}`,
    'vm_memory_high_watermark.relative = 0.8',
    'disk_free_limit.absolute = 1MB',
    '',
  ].join('\n');
}

function definitions(users: readonly BrokerUser[]): string {
  return JSON.stringify(
    {
      vhosts: [{ name: '/' }],
      users: users.map((user) => ({
        name: user.name,
        password_hash: '',
        hashing_algorithm: 'rabbit_password_hashing_sha256',
        tags: [],
      })),
      permissions: users.map((user) => ({
        user: user.name,
        vhost: '/',
        configure: user.configure,
        write: user.write,
        read: user.read,
      })),
    },
    null,
    2,
  );
}

async function waitForTls(port: number, child: ChildProcess, deadline: number, log: string) {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-3000) : '';
      throw new Error(`rabbitmq-server exited with ${child.exitCode} before listening:\n${tail}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
      socket.once('error', () => resolve(false));
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(true);
      });
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`rabbitmq-server did not listen on 127.0.0.1:${port} in time`);
}

/**
 * Starts a throw-away broker node in `options.dir`: its own mnesia, log and config directories,
 * a unique node name, its own epmd port, a TLS listener on a free loopback port, and the users
 * given. The system service is never touched.
 */
export async function startRabbitMq(options: RabbitMqOptions): Promise<RabbitMq> {
  const port = await freePort();
  const distPort = await freePort();
  const epmdPort = await freePort();
  const nodename = `bulwark-${process.pid}-${randomBytes(3).toString('hex')}@localhost`;
  for (const sub of ['mnesia', 'log', 'home'])
    mkdirSync(join(options.dir, sub), { recursive: true });
  const defs = join(options.dir, 'definitions.json');
  writeFileSync(defs, definitions(options.users));
  const confFile = join(options.dir, 'rabbitmq.conf');
  writeFileSync(confFile, config(options, port, distPort, defs));
  const plugins = join(options.dir, 'enabled_plugins');
  writeFileSync(plugins, '[rabbitmq_auth_mechanism_ssl].\n');
  writeFileSync(join(options.dir, 'rabbitmq-env.conf'), '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(options.dir, 'home'),
    RABBITMQ_NODENAME: nodename,
    RABBITMQ_MNESIA_BASE: join(options.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(options.dir, 'log'),
    RABBITMQ_CONFIG_FILE: confFile,
    RABBITMQ_ADVANCED_CONFIG_FILE: join(options.dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: plugins,
    RABBITMQ_CONF_ENV_FILE: join(options.dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: join(options.dir, 'rabbitmq.pid'),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
  const log = join(options.dir, 'log', 'server.out');
  const child = spawn(join(RABBITMQ_BIN, 'rabbitmq-server'), [], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    writeFileSync(log, output);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const ctl = (args: readonly string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        join(RABBITMQ_BIN, 'rabbitmqctl'),
        ['-n', nodename, ...args],
        { env, timeout: 60_000 },
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${stderr || error.message}`))
            : resolve(stdout),
      );
    });

  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    spawnSync('epmd', ['-port', String(epmdPort), '-kill'], { env, stdio: 'ignore' });
    rmSync(options.dir, { recursive: true, force: true });
  };

  try {
    await waitForTls(port, child, Date.now() + 120_000, log);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  const ctlEnv = {
    HOME: env.HOME as string,
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: nodename,
    RABBITMQ_CONF_ENV_FILE: env.RABBITMQ_CONF_ENV_FILE as string,
  };
  return { port, nodename, ctlEnv, ctl, stop };
}
