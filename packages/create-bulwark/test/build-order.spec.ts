import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/cli.js';

/*
 * Regression: the generate and image suites pack every @bulwark package of the checkout with
 * --local, but turbo only built create-bulwark itself before its tests, so on a fresh machine
 * they failed with "@bulwark/authz is not built" whenever the task timing was unlucky. The
 * order is guaranteed by declaring the packages and having `test` depend on `^build`.
 */
const json = (path: string) => JSON.parse(readFileSync(join(REPO, path), 'utf8'));

describe('the build order of the scaffolder tests', () => {
  it('declares every @bulwark package the template needs, so turbo builds them first', () => {
    const template = json('templates/service/package.json');
    const own = json('packages/create-bulwark/package.json');
    const needed = [
      ...Object.keys(template.dependencies ?? {}),
      ...Object.keys(template.devDependencies ?? {}),
    ].filter((name) => name.startsWith('@bulwark/'));
    expect(needed.length).toBeGreaterThan(0);
    for (const name of needed) expect(own.devDependencies?.[name], name).toBe('workspace:*');
  });

  it("runs a package's tests after the builds of the packages it depends on", () => {
    const turbo = json('turbo.json');
    expect(turbo.tasks.test.dependsOn).toEqual(expect.arrayContaining(['^build', 'build']));
  });
});
