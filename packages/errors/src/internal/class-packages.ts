import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let validator: typeof import('class-validator') | undefined;
let transformer: typeof import('class-transformer') | undefined;

// Loaded by the first DTO the validation pipe checks, not at start-up: a service without DTOs
// never loads them (about 400 files, a sixth of its start-up time). A service with DTOs has
// already loaded class-validator for its decorators.

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
