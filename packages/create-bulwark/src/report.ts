import { relative } from 'node:path';
import type { CreateOptions } from './options.js';

/** The closing message: what was created and the next commands to run. */
export function nextSteps(options: CreateOptions, cwd = process.cwd()): string {
  const dir = relative(cwd, options.directory) || '.';
  const pm = options.packageManager;
  const runScript = (script: string) => (pm === 'npm' ? `npm run ${script}` : `pnpm ${script}`);
  const lines = [
    '',
    `Created ${options.name} in ${options.directory} (${options.adapter}${options.redis ? ', Redis' : ''}${options.example ? ', notes example' : ''}).`,
    '',
    'Next steps:',
    `  cd ${dir}`,
    ...(options.install ? [] : [`  ${pm} install`]),
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
