import { spawn } from 'node:child_process';

/** The result of a finished child process. */
export interface RunResult {
  status: number;
  output: string;
}

/** Runs a command without a shell, collecting its output (bounded to the last 64 KiB). */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-65_536);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) =>
      resolvePromise({ status: 127, output: `${output}${error.message}` }),
    );
    child.on('close', (code) => resolvePromise({ status: code ?? 1, output }));
  });
}
