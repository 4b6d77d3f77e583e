import { CreateBulwarkError } from '../create-bulwark.error.js';
import type { PackageManager } from '../options.js';
import { PNPM } from './pack.js';
import { run } from './run.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Installs the service's dependencies, with a spinner on a terminal. Throws with the log tail. */
export async function installDependencies(
  directory: string,
  packageManager: PackageManager,
): Promise<void> {
  const [command, args] =
    packageManager === 'npm'
      ? ['npm', ['install', '--no-audit', '--no-fund']]
      : ['npx', ['--yes', PNPM, 'install']];
  const stop = spinner(`Installing dependencies with ${packageManager}`);
  const result = await run(command, args, directory, {
    ...process.env,
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
  });
  stop(result.status === 0);
  if (result.status !== 0) {
    const tail = result.output.trim().split('\n').slice(-30).join('\n');
    throw new CreateBulwarkError('INSTALL_FAILED', `${packageManager} install failed:\n${tail}`);
  }
}

/** Starts a spinner on stderr when it is a terminal; a single line otherwise. Returns `stop`. */
function spinner(text: string): (ok: boolean) => void {
  if (process.stderr.isTTY !== true) {
    process.stderr.write(`${text}…\n`);
    return () => {};
  }
  let frame = 0;
  const timer = setInterval(() => {
    process.stderr.write(`\r${FRAMES[frame++ % FRAMES.length]} ${text}…`);
  }, 80);
  return (ok) => {
    clearInterval(timer);
    process.stderr.write(`\r${ok ? '✔' : '✖'} ${text}${ok ? '' : ' failed'}\n`);
  };
}
