/**
 * The command line as a library: `main(argv)` runs `create-bulwark` as the `npx` binary does,
 * `parseArgs` turns its arguments into `CliFlags`, and `USAGE` is its help text.
 *
 * @packageDocumentation
 */
export { parseArgs, USAGE } from '../args.js';
export { main } from '../main.js';
export type { CliFlags } from '../options.js';
