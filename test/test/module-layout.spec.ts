import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/api-snapshots.js';

// CONTRIBUTING.md, "Module layout" and "The public API", checked over every package's `src/`.

const PACKAGES = readdirSync(join(ROOT, 'packages')).filter((name) =>
  existsSync(join(ROOT, 'packages', name, 'src', 'index.ts')),
);

function read(pkg: string, file: string): string {
  return readFileSync(join(ROOT, 'packages', pkg, 'src', file), 'utf8');
}

/** `rate-limit` → `RateLimit`. */
function pascal(pkg: string): string {
  return pkg.replace(/(?:^|-)([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The packages with a `<pkg>.module-definition.ts` (every dynamic module but the exceptions). */
const MODULES = PACKAGES.filter((pkg) =>
  existsSync(join(ROOT, 'packages', pkg, 'src', `${pkg}.module-definition.ts`)),
);

/** The text of `index.ts` and of every `exports/<area>.ts`: what the entry points re-export. */
function entryPoints(pkg: string): string {
  const dir = join(ROOT, 'packages', pkg, 'src', 'exports');
  const areas = existsSync(dir) ? readdirSync(dir).map((file) => `exports/${file}`) : [];
  return ['index.ts', ...areas].map((file) => read(pkg, file)).join('\n');
}

/** The files the package's `bin` runs, and its preload entry points, as `src/` file names. */
function bins(pkg: string): string[] {
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8'),
  ) as {
    bin?: string | Record<string, string>;
    exports?: Record<string, string | { default?: string }>;
  };
  const bin = manifest.bin ?? {};
  // An entry point outside src/exports (the tracing preload, `./register`) counts as public too.
  const entries = Object.values(manifest.exports ?? {}).flatMap((entry) =>
    typeof entry === 'string' ? [] : entry.default ? [entry.default] : [],
  );
  const paths = [...(typeof bin === 'string' ? [bin] : Object.values(bin)), ...entries];
  return paths.map((path) => path.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
}

describe('module layout (CONTRIBUTING.md)', () => {
  it('knows the packages with a module definition', () => {
    expect(MODULES.length).toBeGreaterThanOrEqual(12);
  });

  it('keeps every top-level src/ file public, role-suffixed or a bin; helpers sit in internal/', () => {
    const stray: string[] = [];
    for (const pkg of PACKAGES) {
      const exported = entryPoints(pkg);
      for (const file of readdirSync(join(ROOT, 'packages', pkg, 'src'))) {
        if (!file.endsWith('.ts') || file.endsWith('.spec.ts') || file === 'index.ts') continue;
        const base = file.slice(0, -'.ts'.length);
        const public_ = exported.includes(`/${base}.js'`);
        const roleSuffixed = /^[a-z-]+\.[a-z-]+$/.test(base);
        if (!public_ && !roleSuffixed && !bins(pkg).includes(file))
          stray.push(`${pkg}/src/${file}`);
      }
    }
    expect(stray).toEqual([]);
  });

  it('names the error file <pkg>.error.ts in every package but core and service', () => {
    const missing = PACKAGES.filter(
      (pkg) =>
        !['core', 'service'].includes(pkg) &&
        !existsSync(join(ROOT, 'packages', pkg, 'src', `${pkg}.error.ts`)),
    );
    expect(missing).toEqual([]);
  });

  it.each(MODULES)(
    '%s: <Pkg>ModuleOptions and <Pkg>OptionsFactory in <pkg>-options.interface.ts, the factory exported from the main entry point',
    (pkg) => {
      const Pkg = pascal(pkg);
      const options = read(pkg, `${pkg}-options.interface.ts`);
      expect(options).toMatch(new RegExp(`export (?:interface|type) ${Pkg}ModuleOptions\\b`));
      const factory = options.match(
        new RegExp(
          `export interface ${Pkg}OptionsFactory \\{[^}]*?\\n\\s+(\\w+)\\(\\): ${Pkg}ModuleOptions \\| Promise<${Pkg}ModuleOptions>;`,
        ),
      );
      expect(factory, `${Pkg}OptionsFactory`).not.toBeNull();
      // The factory's method is the one the builder calls on a useClass/useExisting provider.
      const builder = read(pkg, `${pkg}.module-definition.ts`);
      const method = builder.match(/\.setFactoryMethodName\('(\w+)'\)/)?.[1] ?? 'create';
      expect(factory?.[1]).toBe(method);
      expect(read(pkg, 'index.ts')).toMatch(new RegExp(`\\b${Pkg}OptionsFactory\\b`));
    },
  );

  it.each(MODULES)(
    '%s: the registration spec registers through a class implementing <Pkg>OptionsFactory',
    (pkg) => {
      const spec = read(pkg, `${pkg}.module.spec.ts`);
      const Pkg = pascal(pkg);
      const factory = spec.match(
        new RegExp(`class (\\w+) implements ${Pkg}OptionsFactory\\b`),
      )?.[1];
      expect(factory, `a class implementing ${Pkg}OptionsFactory`).toBeDefined();
      expect(spec).toContain(`optionsFactory: ${factory},`);
    },
  );

  it.each(MODULES)(
    '%s: Inject<Pkg>Options is a const arrow returning a ParameterDecorator',
    (pkg) => {
      expect(read(pkg, `${pkg}.module-definition.ts`)).toContain(
        `export const Inject${pascal(pkg)}Options = (): ParameterDecorator =>`,
      );
    },
  );

  it.each(MODULES)(
    '%s: the module exports the resolved options token, never the raw one',
    (pkg) => {
      const module = read(pkg, `${pkg}.module.ts`);
      const exported = [...module.matchAll(/exports: \[([^\]]*)\]/g)]
        .map((match) => match[1])
        .join(',');
      const raw = `${pkg.toUpperCase().replace(/-/g, '_')}_OPTIONS`;
      expect(exported).not.toMatch(new RegExp(`(?<!RESOLVED_)\\b${raw}\\b`));
    },
  );
});
