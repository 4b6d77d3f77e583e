// `npm test`: installs exactly what the lockfile says, builds, and runs every test in the workspace.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pnpm, pnpmStatus } from './pnpm.mjs';

const root = new URL('..', import.meta.url).pathname;
pnpm('install', '--frozen-lockfile');
const status = pnpmStatus(
  'exec',
  'turbo',
  'run',
  'test',
  '--concurrency=2',
  '--continue',
  ...process.argv.slice(2),
);

// One closing line for the whole workspace, summed from each package's Vitest JSON report.
let passed = 0;
let failed = 0;
let skipped = 0;
for (const folder of ['packages', 'examples', 'templates']) {
  const dir = join(root, folder);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) count(join(dir, name));
}
count(join(root, 'test'));
console.log(`\nworkspace: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status);

function count(packageDir) {
  const report = join(packageDir, 'test-results', 'vitest.json');
  if (!existsSync(report)) return;
  const data = JSON.parse(readFileSync(report, 'utf8'));
  passed += data.numPassedTests;
  failed += data.numFailedTests;
  skipped += data.numPendingTests + data.numTodoTests;
  // A file that failed outside any test (a beforeAll, an import) leaves its tests "skipped":
  // count the file as a failure, or the closing line would read 0 failed for a red run.
  for (const file of data.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).some((test) => test.status === 'failed');
    if (file.status === 'failed' && !failedTests) {
      failed += 1;
      console.error(`failed outside a test: ${file.name}\n${file.message ?? ''}`);
    }
  }
}
