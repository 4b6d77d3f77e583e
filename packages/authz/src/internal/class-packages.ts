import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let transformer: typeof import('class-transformer') | undefined;

// Loaded by the first @Serialize() view that needs it, not when @bulwark/authz is imported
// (the validation pipe of @bulwark/errors loads class-validator and class-transformer for DTOs).

/** class-transformer, loaded on first use. */
export function classTransformer(): typeof import('class-transformer') {
  transformer ??= require('class-transformer') as typeof import('class-transformer');
  return transformer;
}
