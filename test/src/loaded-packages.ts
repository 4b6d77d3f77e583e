import { execFileSync } from 'node:child_process';

const REFLECT_METADATA = import.meta.resolve('reflect-metadata');

/**
 * The CommonJS packages a fresh Node process has loaded after importing `entry` (a file URL)
 * and running `then`, the body of an ES module in which `lib` is the imported module. Tests use
 * it to show what importing a Bulwark package costs at start-up, and what only a use loads.
 *
 * @example
 * ```ts
 * expect(packagesLoadedBy(distUrl, 'new lib.RateLimiter()')).not.toContain('ioredis');
 * ```
 */
export function packagesLoadedBy(entry: string, then = ''): string[] {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(REFLECT_METADATA)});
    const lib = await import(${JSON.stringify(entry)});
    ${then};
    // Let an import started in the background (as by a constructor) finish before looking.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const files = Object.keys(createRequire(import.meta.url).cache);
    const names = files.map((file) => /.*node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file)?.[1]);
    process.stdout.write(JSON.stringify([...new Set(names.filter(Boolean))]));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[];
}
