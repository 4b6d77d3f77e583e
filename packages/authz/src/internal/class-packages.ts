import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let validator: typeof import('class-validator') | undefined;
let transformer: typeof import('class-transformer') | undefined;

// Loaded by the first DTO or @Serialize() view that needs them, not when @bulwark/authz is
// imported: a service with neither never loads them (class-validator alone is about 300 files).

/** class-validator, loaded on first use. */
export function classValidator(): typeof import('class-validator') {
  validator ??= require('class-validator') as typeof import('class-validator');
  return validator;
}

/** class-transformer, loaded on first use. */
export function classTransformer(): typeof import('class-transformer') {
  transformer ??= require('class-transformer') as typeof import('class-transformer');
  return transformer;
}
