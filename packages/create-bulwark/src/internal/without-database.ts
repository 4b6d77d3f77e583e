import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBulwarkError } from '../create-bulwark.error.js';

/** What the data layer adds to the template, removed with `--db none`. */
const DATABASE_PATHS = [
  'migrations',
  'src/database',
  'src/notes/notes.table.ts',
  'deploy/sql',
  'deploy/k8s/base/database.patch.yaml',
  'deploy/k8s/base/networkpolicy-database.yaml',
  'deploy/k8s/base/migration-job.yaml',
];

/** The data layer's dependencies in the template's package.json. */
const DATABASE_DEPENDENCIES = ['@bulwark/database', '@electric-sql/pglite', 'drizzle-orm', 'pg'];

/**
 * Takes the data layer out of a rendered service (`--db none`): its files, its dependencies and
 * `migrate` script, and the lines that refer to it in files every variant shares. Each line is
 * matched exactly: a template that no longer has it fails here, loudly, instead of generating a
 * service that half refers to a database.
 */
export function removeDatabase(target: string): void {
  for (const path of DATABASE_PATHS) rmSync(join(target, path), { recursive: true, force: true });

  edit(target, 'src/app.module.ts', [
    ["import { DataModule } from './database/database.module.js';\n", ''],
    [' * `DataModule` is the database (see src/database and migrations/).\n', ''],
    ['DataModule, ', ''],
  ]);
  // One unit spec for both repositories: on PostgreSQL it opens the database first.
  edit(target, 'src/notes/notes.service.spec.ts', [
    ["import { DataModule } from '../database/database.module.js';\n", ''],
    [
      '// The service and repository on the real query path: embedded PGlite in memory (NODE_ENV=test),\n// with migrations/ applied as it opens.\n',
      '// The service and repository together, on the in-memory repository (create-bulwark --db none).\n',
    ],
    ["describe('NotesService on PGlite'", "describe('NotesService'"],
    ['      imports: [DataModule],\n', ''],
  ]);
  edit(target, 'deploy/k8s/base/kustomization.yaml', [
    ['  - networkpolicy-database.yaml\n', ''],
    ['  - migration-job.yaml\n', ''],
    ['  - path: database.patch.yaml\n', ''],
    // `patches:` left with no entry (no other variant patches the Deployment).
    [/patches:\n(?! {2}- )/, '', 'optional'],
  ]);
  edit(target, 'Dockerfile', [
    [
      /# The migrations ship with the image:[^\n]*\n(#[^\n]*\n)*COPY migrations\/ \.\/migrations\/\n/,
      '',
    ],
    [' node_modules migrations /out/', ' node_modules /out/'],
  ]);
  edit(target, '.dockerignore', [['!migrations/\n', '']]);
  // A service with no database documents none: its variables, section, script and manifests.
  edit(target, '.env.example', [
    [
      /# The database \(create-bulwark --db postgres\)\.[\s\S]*?# DATABASE_ALLOW_PLAINTEXT=[^\n]*\n\n?/,
      '',
    ],
  ]);
  edit(target, 'README.md', [
    [/(in-memory limits),\n *# embedded PGlite in \.data\/ \(no database server\)\n/, '$1\n'],
    [/\| `npm run migrate` [^\n]*\n/, ''],
    [/### Database: PostgreSQL, or embedded PGlite\n[\s\S]*?\n(?=#{2,3} )/, ''],
    [/\*\*Database\.\*\* [\s\S]*?\n\n/, ''],
  ]);
  edit(target, '.gitignore', [['.data/\n', '']]);

  const file = join(target, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
    scripts?: Record<string, string>;
    dependencies?: Record<string, string>;
  };
  for (const name of DATABASE_DEPENDENCIES) delete manifest.dependencies?.[name];
  delete manifest.scripts?.migrate;
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

type Replacement = [from: string | RegExp, to: string, optional?: 'optional'];

/** Applies replacements to one file of the rendered service; each must match unless optional. */
function edit(target: string, path: string, replacements: Replacement[]): void {
  const file = join(target, path);
  if (!existsSync(file)) return;
  let text = readFileSync(file, 'utf8');
  for (const [from, to, optional] of replacements) {
    if (typeof from === 'string' ? !text.includes(from) : !from.test(text)) {
      if (optional) continue;
      throw new CreateBulwarkError(
        'TEMPLATE_MISSING',
        `the template's ${path} no longer has ${typeof from === 'string' ? JSON.stringify(from) : String(from)}, which --db none removes: the template and create-bulwark are out of step`,
      );
    }
    text = text.replace(from, to);
  }
  writeFileSync(file, text);
}
