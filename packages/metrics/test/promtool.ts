import { spawn, spawnSync } from 'node:child_process';

/**
 * Whether `promtool` can run. Missing locally: warn loudly and skip. Missing under CI: fail,
 * because a CI run that skips the exposition check proves nothing.
 */
export function hasPromtool(): boolean {
  if (spawnSync('promtool', ['--version']).status === 0) return true;
  const message =
    'promtool was not found: the exposition-format check cannot run. Install it (apt-get install -y prometheus).';
  if (process.env.CI) throw new Error(message);
  console.warn(`\n!!!!! ${message} It is SKIPPED. !!!!!\n`);
  return false;
}

/** Runs `promtool check metrics` on an exposition; resolves with its exit code and output. */
export function promtoolCheck(
  exposition: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(exposition);
  });
}
