import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AdapterName } from '@bulwark/test-harness';

/** A fixture app running in its own process. */
export interface SpawnedApp {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every JSON line printed on stdout so far. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the first line (already printed or to come) matching `predicate`. */
  waitForLine(
    predicate: (line: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

const FIXTURE = fileURLToPath(new URL('./fixtures/dist/app.js', import.meta.url));

/** Spawns `fixtures/app.ts` (compiled) on an adapter with extra environment variables. */
export async function spawnApp(
  adapter: AdapterName,
  env: Record<string, string>,
): Promise<SpawnedApp> {
  const base = { ...process.env };
  for (const name of [
    'KUBERNETES_SERVICE_HOST',
    'SHUTDOWN_DELAY_SECONDS',
    'SHUTDOWN_TIMEOUT_SECONDS',
  ]) {
    delete base[name];
  }
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...base, ...env, ADAPTER: adapter },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      if (part.trim() === '') continue;
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ text: part });
      }
    }
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      for (const waiter of waiters) waiter();
      resolve(code);
    });
  });
  const waitForLine = (predicate: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.find(predicate);
        if (found) {
          waiters.delete(check);
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(
            new Error(
              `the app exited before printing the line; it printed ${JSON.stringify(lines)}`,
            ),
          );
        }
      };
      waiters.add(check);
      check();
    });
  const listening = await waitForLine((line) => typeof line.listening === 'number');
  return { url: `http://127.0.0.1:${listening.listening}`, child, lines, waitForLine, exited };
}

/** A phase line of the shutdown log. */
export const phase =
  (name: string) =>
  (line: Record<string, unknown>): boolean =>
    line.context === 'Shutdown' && line.phase === name;
