export { parseArgs, USAGE } from './args.js';
export { createService } from './create.js';
export type { CreateBulwarkErrorCode } from './create-bulwark-error.js';
export { CreateBulwarkError } from './create-bulwark-error.js';
export { main } from './main.js';
export type { Adapter, CliFlags, CreateOptions, PackageManager } from './options.js';
export { ADAPTERS, PACKAGE_MANAGERS } from './options.js';
export { RENAMED_FILES } from './render.js';
export { invalidNameReason } from './validate.js';
