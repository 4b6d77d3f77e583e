import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// A module hook (run on the loader thread) that posts the URL of every module loaded through
// `import`, CommonJS ones included, to the port it is given.
const RECORD_LOADS = `data:text/javascript,
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) { port.postMessage(url); return next(url, context); }`;

/**
 * The packages a fresh Node process has loaded after importing `entry` (a file URL) and running
 * `then`, the body of an ES module in which `lib` is the imported module: ES modules and
 * CommonJS ones (from the require cache). Tests use it to show what importing a Bulwark package
 * costs at start-up, and what only a use loads.
 *
 * @example
 * ```ts
 * expect(packagesLoadedBy(distUrl, 'new lib.MemoryRateLimitStore()')).not.toContain('ioredis');
 * ```
 */
export function packagesLoadedBy(entry: string, then = ''): string[] {
  // Resolved here, not with import.meta.resolve: Vitest's module runner does not support it.
  const reflectMetadata = pathToFileURL(createRequire(import.meta.url).resolve('reflect-metadata'));
  const script = `
    import { createRequire, register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const urls = [];
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (url) => urls.push(url));
    register(${JSON.stringify(RECORD_LOADS)}, { data: { port: port2 }, transferList: [port2] });
    await import(${JSON.stringify(reflectMetadata.href)});
    const lib = await import(${JSON.stringify(entry)});
    ${then};
    // Let an import started in the background (as by a constructor) finish before looking.
    await new Promise((resolve) => setTimeout(resolve, 200));
    port1.close();
    const files = [...Object.keys(createRequire(import.meta.url).cache), ...urls];
    const names = files.map((file) => /.*node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file)?.[1]);
    process.stdout.write(JSON.stringify([...new Set(names.filter(Boolean))]));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[];
}
