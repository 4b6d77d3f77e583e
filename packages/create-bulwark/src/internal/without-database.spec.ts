import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CreateBulwarkError } from '../create-bulwark.error.js';
import { renderTemplate } from './render.js';
import { removeDatabase } from './without-database.js';

const OPTIONS = {
  name: 'svc',
  adapter: 'fastify',
  redis: false,
  tls: false,
  messaging: false,
  db: 'postgres',
  example: true,
  packageManager: 'npm',
  install: false,
  local: undefined,
  force: false,
} as const;

describe('removeDatabase', () => {
  let target: string;
  beforeEach(() => {
    target = mkdtempSync(join(tmpdir(), 'without-database-'));
    renderTemplate(target, { ...OPTIONS, directory: target });
  });
  afterEach(() => rmSync(target, { recursive: true, force: true }));

  it('takes the data layer out of app.module.ts, the kustomization, the Dockerfile and package.json', () => {
    removeDatabase(target);
    const appModule = readFileSync(join(target, 'src/app.module.ts'), 'utf8');
    expect(appModule).not.toContain('DataModule');
    expect(appModule).toContain('NotesModule');
    const kustomization = readFileSync(join(target, 'deploy/k8s/base/kustomization.yaml'), 'utf8');
    expect(kustomization).not.toMatch(/database|migration|patches:/);
    expect(readFileSync(join(target, 'Dockerfile'), 'utf8')).not.toContain('migrations');
    const manifest = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'));
    expect(manifest.scripts.migrate).toBeUndefined();
    expect(manifest.dependencies['drizzle-orm']).toBeUndefined();
  });

  it.each([false, true])(
    'leaves no database in the README or .env.example (redis: %s)',
    (redis) => {
      rmSync(target, { recursive: true, force: true });
      renderTemplate(target, { ...OPTIONS, redis, directory: target });
      const readmeBefore = readFileSync(join(target, 'README.md'), 'utf8');
      removeDatabase(target);
      const envExample = readFileSync(join(target, '.env.example'), 'utf8');
      expect(envExample).not.toMatch(/DATABASE_|PGlite|migrat/);
      expect(envExample).toContain('SECRETS_STRICT_PERMISSIONS=false\n\n# Off by default');
      const readme = readFileSync(join(target, 'README.md'), 'utf8');
      expect(readme).not.toMatch(
        /DATABASE_|PGlite|@bulwark\/database|npm run migrate|migration-job|roles\.sql|service_app/,
      );
      // Only the database's parts went: every other heading is still there.
      const headings = (text: string) => text.match(/^#{2,3} .*$/gm) ?? [];
      expect(headings(readme)).toEqual(
        headings(readmeBefore).filter((h) => h !== '### Database: PostgreSQL, or embedded PGlite'),
      );
      expect(readme).toMatch(/# development: embedded dev issuer, in-memory limits\n/);
    },
  );

  it('fails loudly, naming the file, when the template no longer has a line it removes', () => {
    const file = join(target, 'Dockerfile');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(' node_modules migrations /out/', ' node_modules /out/'),
    );
    let error: unknown;
    try {
      removeDatabase(target);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CreateBulwarkError);
    expect((error as CreateBulwarkError).code).toBe('TEMPLATE_MISSING');
    expect((error as Error).message).toBe(
      'the template\'s Dockerfile no longer has " node_modules migrations /out/", which --db none removes: the template and create-bulwark are out of step',
    );
  });
});
