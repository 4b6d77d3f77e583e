// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md)

// Generating a service
export type { CreateResult } from './create.js';
export { createService } from './create.js';

// Options
export type { Adapter, CreateOptions, Database, PackageManager } from './options.js';
export { ADAPTERS, DATABASES, PACKAGE_MANAGERS } from './options.js';
export { invalidNameReason } from './options.js';

// Errors
export type { CreateBulwarkErrorCode } from './create-bulwark.error.js';
export { CreateBulwarkError } from './create-bulwark.error.js';
