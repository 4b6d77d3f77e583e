import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sh, tempDir } from './support/cli.js';

function listFiles(root: string): string[] {
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

interface Entry {
  kind: 'file' | 'folder' | 'link';
  mode: number;
  /** The SHA-256 of a file, or a link's target. */
  content?: string;
}

/** Every entry under `root` (`.git` included, links not followed) by relative path. */
function snapshot(root: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const stats = lstatSync(path);
    const key = relative(root, path);
    if (stats.isSymbolicLink()) {
      entries.set(key, { kind: 'link', mode: stats.mode, content: readlinkSync(path) });
    } else if (stats.isDirectory()) {
      entries.set(key, { kind: 'folder', mode: stats.mode });
    } else {
      const content = createHash('sha256').update(readFileSync(path)).digest('hex');
      entries.set(key, { kind: 'file', mode: stats.mode, content });
    }
  }
  return entries;
}

const EXAMPLE_FILES = [
  'src/notes/dto/create-note.dto.ts',
  'src/notes/dto/list-notes.query.ts',
  'src/notes/dto/note.view.ts',
  'src/notes/dto/update-note.dto.ts',
  'src/notes/note-id.spec.ts',
  'src/notes/note-id.ts',
  'src/notes/note.entity.ts',
  'src/notes/notes.clock.ts',
  'src/notes/notes.controller.ts',
  'src/notes/notes.loader.ts',
  'src/notes/notes.module.ts',
  'src/notes/notes.repository.ts',
  'src/notes/notes.service.spec.ts',
  'src/notes/notes.service.ts',
  'test/notes.conformance.ts',
  'test/notes.e2e-spec.ts',
];

/** The data layer of --db postgres (the default), with or without the example. */
const DATABASE_FILES = [
  'deploy/k8s/base/database.patch.yaml',
  'deploy/k8s/base/migration-job.yaml',
  'deploy/k8s/base/networkpolicy-database.yaml',
  'deploy/sql/roles.sql',
  'src/database/database.module.ts',
  'src/database/schema.ts',
];

/** The example's table and migration, with --db postgres. */
const DATABASE_EXAMPLE_FILES = ['migrations/0001_create_notes.sql', 'src/notes/notes.table.ts'];

/** The example's own test of the in-memory repository, with --db none. */
const MEMORY_EXAMPLE_FILES = ['src/notes/notes.repository.spec.ts'];

const BASE_FILES = [
  '.dockerignore',
  '.env.example',
  '.github/dependabot.yml',
  '.github/workflows/ci.yml',
  '.gitignore',
  'Dockerfile',
  'README.md',
  'biome.json',
  'deploy/k8s/base/deployment.yaml',
  'deploy/k8s/base/horizontalpodautoscaler.yaml',
  'deploy/k8s/base/kustomization.yaml',
  'deploy/k8s/base/networkpolicy.yaml',
  'deploy/k8s/base/poddisruptionbudget.yaml',
  'deploy/k8s/base/service.yaml',
  'deploy/k8s/base/serviceaccount.yaml',
  'deploy/k8s/overlays/development/kustomization.yaml',
  'deploy/k8s/overlays/production/kustomization.yaml',
  'deploy/k8s/overlays/production/networkpolicy-namespace-default-deny.yaml',
  'package.json',
  'src/adapter.ts',
  'src/app.module.ts',
  'src/events/events.module.ts',
  'src/healthcheck.ts',
  'src/main.ts',
  'test/service.e2e-spec.ts',
  'test/support.ts',
  'tsconfig.build.json',
  'tsconfig.json',
  'vendor/README.md',
  'vitest.config.ts',
];

describe('create-bulwark (the built CLI, no TTY)', () => {
  let work: string;
  beforeAll(() => {
    work = tempDir('cli');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('prints usage with every flag of the contract for --help, and exits 0', async () => {
    const result = await runCli(['--help'], work);
    expect(result.status).toBe(0);
    for (const flag of [
      '--name',
      '--adapter',
      '--redis',
      '--no-example',
      '--db',
      '--package-manager',
      '--no-install',
      '--local',
      '--yes',
      '--force',
    ]) {
      expect(result.stdout).toContain(flag);
    }
    expect(readdirSync(work)).toEqual([]);
  });

  it.each([
    [['svc', '--adapter', 'koa'], '--adapter', '--adapter must be fastify or express, not "koa"'],
    [['svc', '--adapter'], '--adapter', '--adapter needs a value'],
    [
      ['svc', '--package-manager=yarn'],
      '--package-manager',
      '--package-manager must be npm or pnpm, not "yarn"',
    ],
    [['svc', '--name', 'Bad Name'], '--name', '--name "Bad Name" is not a valid package name'],
    [['Bad_Dir'], '--name', 'the directory name "Bad_Dir" is not a valid package name'],
    // Valid npm names that cannot name Kubernetes objects (the unscoped part names them).
    [['svc', '--name', 'my_orders'], '--name', '--name "my_orders" is not a valid Kubernetes name'],
    [['svc', '--name', '@acme/9lives'], '--name', 'is not a valid Kubernetes name'],
    [['svc', '--name', 'a'.repeat(56)], '--name', 'is longer than 55 characters'],
    [['my.orders'], '--name', 'the directory name "my.orders" is not a valid Kubernetes name'],
    [['svc', '--db', 'mysql'], '--db', '--db must be postgres or none, not "mysql"'],
    [['svc', '--db'], '--db', '--db needs a value'],
    [['svc', '--frobnicate'], '--frobnicate', 'unknown option --frobnicate'],
    [['svc', '--redis=yes'], '--redis', '--redis takes no value'],
    [['svc', '--force', '--force'], '--force', '--force is given more than once'],
    [['svc', 'other'], '<directory>', 'only one <directory> may be given'],
    [[], '<directory>', 'missing <directory>'],
    [
      ['svc', '--local', '/nonexistent/bulwark'],
      '--local',
      '--local /nonexistent/bulwark: no such directory',
    ],
  ])('exits 2 for %j, naming %s, and writes nothing', async (args, flag, message) => {
    const result = await runCli(args, work);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(flag);
    expect(result.stderr).toContain(message);
    expect(readdirSync(work)).toEqual([]);
  });

  it('writes the template with dotfiles renamed, and nothing of the template machinery', async () => {
    const result = await runCli(['plain', '--no-install'], work);
    expect(result.status, result.stderr).toBe(0);
    const files = listFiles(join(work, 'plain'));
    expect(files).toEqual(
      [...BASE_FILES, ...EXAMPLE_FILES, ...DATABASE_FILES, ...DATABASE_EXAMPLE_FILES].sort(),
    );
    const manifest = JSON.parse(readFileSync(join(work, 'plain', 'package.json'), 'utf8'));
    expect(manifest.name).toBe('plain');
    expect(Object.keys(manifest.scripts)).toEqual(
      expect.arrayContaining(['build', 'start', 'dev', 'test', 'token', 'migrate']),
    );
    expect(manifest.scripts.migrate).toBe('bulwark-migrate migrations');
    for (const dependency of ['@bulwark/database', 'drizzle-orm', 'pg', '@electric-sql/pglite']) {
      expect(manifest.dependencies[dependency], dependency).toBeDefined();
    }
    expect(readFileSync(join(work, 'plain', 'src/app.module.ts'), 'utf8')).toContain('DataModule');
    expect(readFileSync(join(work, 'plain', '.gitignore'), 'utf8')).toContain('.data/');
    expect(manifest.dependencies['@nestjs/platform-fastify']).toBeDefined();
    expect(manifest.dependencies['@nestjs/platform-express']).toBeUndefined();
    expect(result.stdout).toContain('npm install');
    expect(result.stdout).toContain('/v1/notes');
  });

  it('renders the express adapter, Redis and no example from their overlays', async () => {
    const result = await runCli(
      [
        'variant',
        '--adapter',
        'express',
        '--redis',
        '--no-example',
        '--no-install',
        '--name',
        '@acme/orders',
        '--package-manager',
        'pnpm',
      ],
      work,
    );
    expect(result.status, result.stderr).toBe(0);
    const dir = join(work, 'variant');
    // --no-example keeps the data layer (--db postgres), with no tables: an empty migrations/.
    expect(listFiles(dir)).toEqual(
      [...BASE_FILES, ...DATABASE_FILES, 'migrations/.gitkeep'].sort(),
    );
    expect(readFileSync(join(dir, 'src/database/schema.ts'), 'utf8')).toContain(
      'export const schema = {};',
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('@acme/orders');
    expect(manifest.dependencies['@bulwark/database']).toBeDefined();
    expect(manifest.packageManager).toBe('pnpm@10.34.9');
    expect(manifest.dependencies['@nestjs/platform-express']).toBeDefined();
    expect(manifest.dependencies['@nestjs/platform-fastify']).toBeUndefined();
    expect(readFileSync(join(dir, 'src/adapter.ts'), 'utf8')).toContain(
      "export const ADAPTER = 'express' as const;",
    );
    const appModule = readFileSync(join(dir, 'src/app.module.ts'), 'utf8');
    expect(appModule).toContain('DataModule');
    expect(appModule).not.toContain('NotesModule');
    expect(readFileSync(join(dir, 'src/main.ts'), 'utf8')).toContain(
      'startService(AppModule, { adapter: ADAPTER })',
    );
    expect(readFileSync(join(dir, '.env.example'), 'utf8')).toMatch(/^REDIS_URL=redis:/m);
    expect(readFileSync(join(dir, 'deploy/k8s/base/networkpolicy.yaml'), 'utf8')).toContain(
      'port: 6379',
    );
  });

  it.each([
    ['with the example', [] as string[], [...EXAMPLE_FILES, ...MEMORY_EXAMPLE_FILES]],
    ['without the example', ['--no-example'], [] as string[]],
  ])(
    '--db none (%s) keeps the notes in memory and writes nothing of the data layer',
    async (_label, flags, example) => {
      const name = `no-db${flags.length}`;
      const result = await runCli([name, '--db', 'none', '--no-install', ...flags], work);
      expect(result.status, result.stderr).toBe(0);
      const dir = join(work, name);
      expect(listFiles(dir)).toEqual([...BASE_FILES, ...example].sort());
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      for (const dependency of ['@bulwark/database', 'drizzle-orm', 'pg', '@electric-sql/pglite']) {
        expect(manifest.dependencies[dependency], dependency).toBeUndefined();
      }
      expect(manifest.scripts.migrate).toBeUndefined();
      for (const file of [
        'src/app.module.ts',
        'Dockerfile',
        '.dockerignore',
        '.gitignore',
        'deploy/k8s/base/kustomization.yaml',
      ]) {
        const text = readFileSync(join(dir, file), 'utf8');
        expect(text, file).not.toMatch(/DataModule|database|migrations|\.data\//);
      }
      if (example.length > 0) {
        const repository = readFileSync(join(dir, 'src/notes/notes.repository.ts'), 'utf8');
        expect(repository).toContain('new Map<string, Note>()');
        expect(repository).not.toContain('@bulwark/database');
        // The one unit spec of both repositories, without the database it opens on PostgreSQL.
        const spec = readFileSync(join(dir, 'src/notes/notes.service.spec.ts'), 'utf8');
        expect(spec).not.toMatch(/DataModule|database|PGlite/);
      }
      expect(result.stdout).not.toContain('PostgreSQL');
    },
  );

  it('refuses a non-empty directory without --force and leaves it untouched', async () => {
    const dir = join(work, 'occupied');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const result = await runCli(['occupied', '--no-install'], work);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is not empty');
    expect(result.stderr).toContain('--force');
    expect(readdirSync(dir)).toEqual(['keep.txt']);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('writes into a non-empty directory with --force, keeping unrelated files', async () => {
    const dir = join(work, 'forced');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const result = await runCli(['forced', '--no-install', '--force'], work);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
    expect(listFiles(dir)).toEqual(
      [
        ...BASE_FILES,
        ...EXAMPLE_FILES,
        ...DATABASE_FILES,
        ...DATABASE_EXAMPLE_FILES,
        'keep.txt',
      ].sort(),
    );
    expect(result.stdout).not.toContain('Kept');
  });

  it('--force in a git repository with uncommitted changes writes only missing files: every existing file stays byte-identical', async () => {
    const dir = join(work, 'project');
    const outside = join(work, 'outside-vendor');
    mkdirSync(outside);
    const files: Record<string, string> = {
      '.gitignore': 'node_modules/\n',
      'package.json':
        '{ "name": "project", "private": true, "dependencies": { "left-pad": "1.3.0" } }\n',
      'README.md': '# Our project\n',
      Dockerfile: 'FROM scratch\n',
      'src/main.ts': 'console.log("ours");\n',
      'src/orders/orders.service.ts': 'export class OrdersService {}\n',
      'test/orders.e2e-spec.ts': '// our tests\n',
      'deploy/k8s/base/deployment.yaml': 'kind: Deployment # ours\n',
      '.github/workflows/ci.yml': 'name: ours\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const git = (...args: string[]) =>
      sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], dir);
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'ours');
    // Uncommitted work of every kind: unstaged, staged, untracked, a staged deletion, and
    // symbolic links (one dangling, one to a folder outside the project).
    writeFileSync(join(dir, 'src/main.ts'), 'console.log("ours, edited");\n');
    writeFileSync(join(dir, 'README.md'), '# Our project, staged\n');
    git('add', 'README.md');
    writeFileSync(join(dir, 'deploy/k8s/base/notes.txt'), 'untracked\n');
    chmodSync(join(dir, 'Dockerfile'), 0o600);
    git('rm', '-q', '--cached', 'test/orders.e2e-spec.ts');
    symlinkSync('missing.json', join(dir, 'biome.json'));
    symlinkSync(outside, join(dir, 'vendor'));

    const status = () =>
      git('status', '--porcelain=v1', '--untracked-files=all').trimEnd().split('\n');
    const statusBefore = status();
    const before = snapshot(dir);

    const result = await runCli(['project', '--force'], work);
    expect(result.status, result.stderr).toBe(0);

    const after = snapshot(dir);
    for (const [path, entry] of before) expect(after.get(path), path).toEqual(entry);
    expect(readdirSync(outside)).toEqual([]);

    const kept = [
      '.github/workflows/ci.yml',
      '.gitignore',
      'Dockerfile',
      'README.md',
      'biome.json',
      'deploy/k8s/base/deployment.yaml',
      'package.json',
      'src/main.ts',
      'vendor/README.md',
    ];
    expect(result.stdout).toContain(`Kept ${kept.length} existing files as they were`);
    const listed = result.stdout.split('\n').filter((line) => /^ {2}\S+$/.test(line));
    expect(listed.map((line) => line.trim())).toEqual(kept);
    // package.json was ours: nothing installed beside it.
    expect(result.stdout).toContain('Dependencies were not installed: package.json');
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);

    const written = [
      ...BASE_FILES,
      ...EXAMPLE_FILES,
      ...DATABASE_FILES,
      ...DATABASE_EXAMPLE_FILES,
    ].filter((path) => !kept.includes(path));
    for (const path of written) {
      expect(after.get(path)?.kind, path).toBe('file');
      expect(before.has(path), path).toBe(false);
    }
    expect(readFileSync(join(dir, 'deploy/k8s/base/service.yaml'), 'utf8')).toContain(
      'kind: Service',
    );
    // git sees the same changes as before, plus the new files as untracked.
    const statusAfter = status();
    expect(statusAfter.filter((line) => statusBefore.includes(line))).toEqual(statusBefore);
    expect(statusAfter.filter((line) => !statusBefore.includes(line)).sort()).toEqual(
      written
        .filter((path) => !path.startsWith('vendor/'))
        .map((path) => `?? ${path}`)
        .sort(),
    );
  });

  it('names a missing transitive @bulwark package of a --local tarball folder (exit 2)', async () => {
    const folder = join(work, 'partial-vendor');
    packTarballs(folder, {
      '@bulwark/service': { '@bulwark/http': '0.1.0' },
      ...Object.fromEntries(
        ['auth', 'authz', 'core', 'database', 'testing', 'tracing'].map((n) => [
          `@bulwark/${n}`,
          {},
        ]),
      ),
    });
    const result = await runCli(['partial', '--local', folder], work);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'no tarball of @bulwark/http (a dependency of @bulwark/service)',
    );
    expect(existsSync(join(work, 'partial'))).toBe(false);
  });

  it('leaves nothing behind when a later step (the install) fails', async () => {
    const bogus = join(work, 'bogus-vendor');
    // Valid tarballs of every needed package, one of which asks for a version that does not exist.
    packTarballs(bogus, {
      '@bulwark/core': { rxjs: '999.999.999' },
      ...Object.fromEntries(
        ['auth', 'authz', 'database', 'service', 'testing', 'tracing'].map((n) => [
          `@bulwark/${n}`,
          {},
        ]),
      ),
    });
    const before = readdirSync(work).sort();
    const result = await runCli(['broken', '--local', bogus], work);
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain('npm install failed');
    expect(readdirSync(work).sort()).toEqual(before);
    expect(existsSync(join(work, 'broken'))).toBe(false);
  });
});

/** Writes one npm tarball per package (name → its dependencies) into `folder`. */
function packTarballs(folder: string, packages: Record<string, Record<string, string>>): void {
  mkdirSync(folder, { recursive: true });
  for (const [name, dependencies] of Object.entries(packages)) {
    const staging = mkdtempSync(join(folder, '.pkg-'));
    mkdirSync(join(staging, 'package'));
    writeFileSync(
      join(staging, 'package', 'package.json'),
      JSON.stringify({ name, version: '0.1.0', type: 'module', dependencies }),
    );
    const file = `${name.replace('@', '').replace('/', '-')}-0.1.0.tgz`;
    sh('tar', ['-czf', join(folder, file), '-C', staging, 'package'], folder);
    rmSync(staging, { recursive: true, force: true });
  }
}
