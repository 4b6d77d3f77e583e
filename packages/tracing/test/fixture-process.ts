import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/app.mjs', import.meta.url));
const BOUND_MS = 15_000;

/** What the fixture reports once it listens. */
export interface FixtureStatus {
  listening: number;
  /** The port of the fixture's plain `node:http` server. */
  rawListening: number;
  tracing: boolean;
  httpPatched: boolean;
  otelGlobal: boolean;
}

/** The fixture app, running in its own process with the preload entry. */
export interface FixtureProcess {
  readonly url: string;
  readonly status: FixtureStatus;
  /** Every JSON line the fixture wrote to stdout. */
  readonly lines: Array<Record<string, unknown>>;
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node --import @bulwark/tracing/register test/fixtures/app.mjs <adapter>` from the
 * package root (the bare specifier resolves through the package's own exports map), with
 * every inherited `OTEL_*` variable removed and `env` added.
 */
export function startFixture(
  adapter: string,
  env: Record<string, string>,
): Promise<FixtureProcess> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', '@bulwark/tracing/register', FIXTURE, adapter],
    { cwd: PACKAGE_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fixture did not start within ${BOUND_MS} ms: ${stderr}`));
    }, BOUND_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited with ${code} before listening: ${stderr}`));
    });
    child.stdout?.on('data', (chunk) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        if (typeof line.listening === 'number') {
          clearTimeout(timer);
          const status = line as unknown as FixtureStatus;
          resolve({
            url: `http://127.0.0.1:${status.listening}`,
            status,
            lines,
            async stop() {
              const kill = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
              child.kill('SIGTERM');
              const code = await exited;
              clearTimeout(kill);
              return code;
            },
          });
        }
        newline = buffered.indexOf('\n');
      }
    });
  });
}
