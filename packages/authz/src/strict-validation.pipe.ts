import { ProblemException } from '@bulwark/core';
import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { classTransformer, classValidator } from './internal/class-packages.js';

/** Fields a client may never set, whatever a DTO declares (mass assignment, OWASP API3). */
export const DEFAULT_PROTECTED_FIELDS: readonly string[] = [
  'id',
  '_id',
  'owner',
  'ownerId',
  'tenantId',
  'role',
  'roles',
  'permissions',
  'isAdmin',
  'createdAt',
  'updatedAt',
];

/** Options of {@link StrictValidationPipe}. */
export interface StrictValidationOptions {
  /**
   * Top-level body fields always refused with 400, even when a DTO declares them.
   * Pass `[]` when a DTO must accept one of these names.
   * @default DEFAULT_PROTECTED_FIELDS
   */
  protectedFields?: readonly string[];
  /**
   * The deepest nesting of objects and arrays accepted in a body or query.
   * @default 32
   */
  maxDepth?: number;
}

/** One rejected field, as sent in the problem's `errors` member. */
export interface FieldError {
  /** The field path, such as `owner` or `items.0.price`. */
  field: string;
  /** `unknown`, `protected`, `forbidden_key`, `too_deep`, or the failed constraint (`isString`). */
  reason: string;
}

const PRIMITIVES = new Set<unknown>([String, Number, Boolean, Array, Object, undefined]);
const SAFE_NAME = /^[\w.$-]{1,64}$/;

/**
 * Validates `@Body()`, `@Query()` and `@Param()` DTOs with class-validator, refusing with a 400
 * problem: fields the DTO does not declare, protected fields such as `ownerId` or `role`, and
 * `__proto__` / `constructor.prototype` keys at any depth (prototype pollution).
 *
 * `AuthzModule` installs it globally unless `validation: false`.
 *
 * @example
 * ```ts
 * app.useGlobalPipes(new StrictValidationPipe({ protectedFields: ['ownerId', 'role'] }));
 * ```
 */
@Injectable()
export class StrictValidationPipe implements PipeTransform {
  private readonly protectedFields: ReadonlySet<string>;
  private readonly maxDepth: number;

  constructor(options: StrictValidationOptions = {}) {
    this.protectedFields = new Set(options.protectedFields ?? DEFAULT_PROTECTED_FIELDS);
    this.maxDepth = options.maxDepth ?? 32;
  }

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom') return value;
    const keyErrors = findForbiddenKeys(value, this.maxDepth);
    if (keyErrors.length > 0) throw invalid(keyErrors);
    if (metadata.type === 'body' && isRecord(value)) {
      const protectedErrors = Object.keys(value)
        .filter((key) => this.protectedFields.has(key))
        .map((field) => ({ field, reason: 'protected' }));
      if (protectedErrors.length > 0) throw invalid(protectedErrors);
    }
    const metatype = metadata.metatype;
    if (PRIMITIVES.has(metatype) || typeof metatype !== 'function') return value;
    if (!isRecord(value)) {
      throw invalid([{ field: '(root)', reason: 'not_an_object' }]);
    }
    const instance = classTransformer().plainToInstance(metatype, value) as object;
    const errors = await classValidator().validate(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    });
    if (errors.length > 0) throw invalid(flatten(errors, ''));
    return instance;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `__proto__` anywhere, and `prototype` under `constructor`, as JSON.parse makes them own keys. */
function findForbiddenKeys(root: unknown, maxDepth: number): FieldError[] {
  const errors: FieldError[] = [];
  const walk = (value: unknown, path: string, depth: number, parentKey: string | undefined) => {
    if (typeof value !== 'object' || value === null) return;
    if (depth > maxDepth) {
      errors.push({ field: path || '(root)', reason: 'too_deep' });
      return;
    }
    for (const key of Object.keys(value)) {
      const field = path ? `${path}.${safeName(key)}` : safeName(key);
      if (key === '__proto__' || (key === 'prototype' && parentKey === 'constructor')) {
        errors.push({ field, reason: 'forbidden_key' });
        continue;
      }
      walk((value as Record<string, unknown>)[key], field, depth + 1, key);
      if (errors.length >= 20) return;
    }
  };
  walk(root, '', 0, undefined);
  return errors;
}

function flatten(errors: readonly ValidationError[], prefix: string): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    // class-validator's `unknownValue` error (a DTO class with no rules) names no property.
    const name = error.property === undefined ? '(root)' : safeName(error.property);
    const field = prefix ? `${prefix}.${name}` : name;
    for (const constraint of Object.keys(error.constraints ?? {})) {
      result.push({ field, reason: constraint === 'whitelistValidation' ? 'unknown' : constraint });
    }
    if (error.children?.length) result.push(...flatten(error.children, field));
  }
  return result;
}

/** Field names come from the client: echo only plain ones. */
function safeName(name: string): string {
  return SAFE_NAME.test(name) ? name : '(invalid name)';
}

function invalid(errors: FieldError[]): ProblemException {
  return new ProblemException({
    kind: 'invalid-request',
    status: 400,
    title: 'Bad Request',
    detail: 'The request has fields that are not allowed or not valid.',
    extensions: { errors },
    reason: `validation_failed:${errors.map((error) => error.reason).join(',')}`,
  });
}
