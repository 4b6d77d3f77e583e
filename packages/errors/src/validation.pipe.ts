import { createRequire } from 'node:module';
import { problem } from '@bulwark/core';
import { ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

const require = createRequire(import.meta.url);
let validator: typeof import('class-validator') | undefined;
let transformer: typeof import('class-transformer') | undefined;
const classValidator = () =>
  (validator ??= require('class-validator') as typeof import('class-validator'));
const classTransformer = () =>
  (transformer ??= require('class-transformer') as typeof import('class-transformer'));

// class-validator and class-transformer are loaded by the first DTO the pipe validates, not at
// start-up: a service without DTOs never loads them (about 400 files, a sixth of its start-up
// time). A service with DTOs has already loaded class-validator for its decorators.
const validatorPackage: NonNullable<ValidationPipeOptions['validatorPackage']> & {
  getMetadataStorage(): unknown;
} = {
  validate: (object, options) => classValidator().validate(object as object, options),
  getMetadataStorage: () => classValidator().getMetadataStorage(),
};
const transformerPackage: NonNullable<ValidationPipeOptions['transformerPackage']> = {
  plainToInstance: (cls, plain, options) => classTransformer().plainToInstance(cls, plain, options),
  classToPlain: (object, options) => classTransformer().classToPlain(object, options),
};

/** One offending field in a `validation-failed` problem. */
export interface FieldViolation {
  /** The field's path, such as `title` or `tags.0`; at most 64 characters. */
  field: string;
  /** The rules it broke, such as `isString` or `unknown` (a field the DTO does not declare). */
  rules: string[];
}

const MAX_VIOLATIONS = 20;

/** Field names may come from the client (unknown fields): keep them short and plain. */
function safeField(path: string): string {
  const plain = path.replace(/[^A-Za-z0-9_.$-]/g, '?');
  return plain.length > 64 ? `${plain.slice(0, 61)}...` : plain || '(body)';
}

function collect(errors: ValidationError[], prefix: string, into: FieldViolation[]): void {
  for (const error of errors) {
    if (into.length >= MAX_VIOLATIONS) return;
    // class-validator's `unknownValue` error (a DTO class with no rules) names no property.
    const property = error.property ?? '';
    const path = prefix ? `${prefix}.${property}` : property;
    const rules = Object.keys(error.constraints ?? {}).map((rule) =>
      rule === 'whitelistValidation' ? 'unknown' : rule,
    );
    if (rules.length > 0) into.push({ field: safeField(path), rules });
    if (error.children?.length) collect(error.children, path, into);
  }
}

/**
 * Builds the `validation-failed` problem (400) for class-validator errors. It names the
 * fields and the rules they broke, never the values sent.
 *
 * @example
 * ```ts
 * new ValidationPipe({ exceptionFactory: validationProblem });
 * ```
 */
export function validationProblem(errors: ValidationError[]) {
  const violations: FieldViolation[] = [];
  collect(errors, '', violations);
  const fields = [...new Set(violations.map((violation) => violation.field))];
  return problem('validation-failed', {
    reason: `fields: ${fields.join(', ')}`,
    detail: `The request has invalid or unknown fields: ${fields.join(', ')}.`,
    extensions: { errors: violations },
  });
}

/**
 * The global validation pipe: `whitelist` with `forbidNonWhitelisted` (unknown fields are
 * refused, not silently dropped), `forbidUnknownValues`, `transform`, and errors as a
 * `validation-failed` problem. Pass options to override any of them.
 *
 * @example
 * ```ts
 * app.useGlobalPipes(createValidationPipe());
 * ```
 */
export function createValidationPipe(options: ValidationPipeOptions = {}): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: validationProblem,
    validatorPackage,
    transformerPackage,
    ...options,
  });
}
