import { relative } from 'node:path';
import type { CreateResult } from '../create.js';
import type { CreateOptions } from '../options.js';

/**
 * The closing message: what was created, the existing files that were kept (`--force`), and
 * the next commands to run.
 */
export function nextSteps(
  options: CreateOptions,
  result: CreateResult = { kept: [], installed: options.install, skippedInstall: [] },
  cwd = process.cwd(),
): string {
  const dir = relative(cwd, options.directory) || '.';
  const pm = options.packageManager;
  const runScript = (script: string) => (pm === 'npm' ? `npm run ${script}` : `pnpm ${script}`);
  const lines = [
    '',
    `Created ${options.name} in ${options.directory} (${options.adapter}${options.redis ? ', Redis' : ''}${options.tls ? ', TLS' : ''}${options.messaging ? ', messaging' : ''}${options.db === 'postgres' ? ', PostgreSQL' : ''}${options.example ? ', notes example' : ''}).`,
    '',
    ...keptLines(result, pm),
    'Next steps:',
    `  cd ${dir}`,
    ...(result.installed ? [] : [`  ${pm} install`]),
    `  ${runScript('dev')}`,
  ];
  if (options.example) {
    lines.push(
      `  TOKEN=$(${pm === 'npm' ? 'npm run --silent token' : 'pnpm --silent token'} -- --sub alice --scope "notes:read notes:write" --role admin)`,
      '  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/v1/notes',
    );
  } else {
    lines.push('  curl http://127.0.0.1:3000/health/ready');
  }
  lines.push(
    '',
    `Then: ${runScript('test')}, docker build -t ${options.name.replace(/^@[^/]+\//, '')} . , kubectl apply -k deploy/k8s/overlays/production`,
    '',
  );
  return lines.join('\n');
}

function keptLines(result: CreateResult, pm: CreateOptions['packageManager']): string[] {
  const lines: string[] = [];
  if (result.kept.length > 0) {
    lines.push(
      `Kept ${result.kept.length} existing file${result.kept.length === 1 ? '' : 's'} as they were (--force never overwrites); the template's version of each was not written:`,
      ...result.kept.map((path) => `  ${path}`),
      '',
    );
  }
  if (result.skippedInstall.length > 0) {
    lines.push(
      `Dependencies were not installed: ${result.skippedInstall.join(', ')} already existed. Merge the dependencies of the template's package.json (generate into an empty folder to see it) into yours, then run ${pm} install.`,
      '',
    );
  }
  return lines;
}
