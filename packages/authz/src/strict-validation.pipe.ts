import { type ProblemException, problem } from '@bulwark/core';
import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { type DtoClass, elementOf } from './internal/body-types.js';
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
   * Body fields always refused with 400, at any depth (in nested objects, in array elements,
   * and in bodies typed `Object`), even when a DTO declares them.
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
  /** The field path, such as `owner`, `items[0].price`, or `[0].ownerId` in an array body. */
  field: string;
  /**
   * `unknown`, `protected`, `forbidden_key`, `too_deep`, `not_an_object`, `not_an_array`, or the
   * failed constraint (`isString`).
   */
  reason: string;
}

const PRIMITIVES = new Set<unknown>([String, Number, Boolean, Array, Object, undefined]);
const SAFE_NAME = /^[\w.$-]{1,64}$/;

/**
 * Validates `@Body()`, `@Query()` and `@Param()` DTOs with class-validator, refusing with a 400
 * problem: fields the DTO does not declare, protected fields such as `ownerId` or `role` at any
 * depth of a body, and `__proto__` / `constructor.prototype` keys at any depth (prototype
 * pollution). A body declared with `@BodyOf([Dto])` must be an array, and each element is
 * validated like a single DTO.
 *
 * A body typed `Array` or `Object` (an interface, `Record<…>`, `any`) has no class to validate
 * against; `AuthzModule` refuses such routes at start-up unless they carry `@UncheckedBody()`.
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
    // `@Body('items')` hands over `body.items`: errors are named from the body's root.
    const root = typeof metadata.data === 'string' ? safeName(metadata.data) : '';
    const keyErrors = findForbiddenKeys(
      value,
      root,
      this.maxDepth,
      metadata.type === 'body' ? this.protectedFields : NONE,
    );
    if (keyErrors.length > 0) throw invalid(keyErrors);
    const metatype = metadata.metatype;
    const element = elementOf(metatype);
    if (element) return validateArray(value, element, root);
    if (PRIMITIVES.has(metatype) || typeof metatype !== 'function') return value;
    if (!isRecord(value)) {
      throw invalid([{ field: root || '(root)', reason: 'not_an_object' }]);
    }
    const errors: FieldError[] = [];
    const instance = await validateOne(metatype, value, root, errors);
    if (errors.length > 0) throw invalid(errors);
    return instance;
  }
}

const NONE: ReadonlySet<string> = new Set();
const MAX_ERRORS = 20;

/** Each element against the same whitelist as a single DTO; errors are named `[0].field`. */
async function validateArray(value: unknown, element: DtoClass, root: string): Promise<object[]> {
  if (!Array.isArray(value)) throw invalid([{ field: root || '(root)', reason: 'not_an_array' }]);
  const errors: FieldError[] = [];
  const instances: object[] = [];
  for (let index = 0; index < value.length && errors.length < MAX_ERRORS; index++) {
    const item: unknown = value[index];
    if (!isRecord(item)) {
      errors.push({ field: `${root}[${index}]`, reason: 'not_an_object' });
      continue;
    }
    instances.push(await validateOne(element, item, `${root}[${index}]`, errors));
  }
  if (errors.length > 0) throw invalid(errors.slice(0, MAX_ERRORS));
  return instances;
}

async function validateOne(
  metatype: DtoClass,
  value: Record<string, unknown>,
  prefix: string,
  errors: FieldError[],
): Promise<object> {
  const instance = classTransformer().plainToInstance(
    metatype as new () => object,
    value,
  ) as object;
  const found = await classValidator().validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (found.length > 0) errors.push(...flatten(found, prefix, false));
  return instance;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `[0]` for an array element, `.name` for a property, without a leading dot at the root. */
function fieldPath(path: string, key: string, inArray: boolean): string {
  if (inArray) return `${path}[${/^\d{1,10}$/.test(key) ? key : '(invalid index)'}]`;
  const name = safeName(key);
  return path ? `${path}.${name}` : name;
}

/**
 * `__proto__` anywhere, and `prototype` under `constructor`, as JSON.parse makes them own keys;
 * in a body, also the protected fields, at any depth: in an element of an array, in a nested
 * object, or inside a body typed `Object`.
 */
function findForbiddenKeys(
  root: unknown,
  rootPath: string,
  maxDepth: number,
  protectedFields: ReadonlySet<string>,
): FieldError[] {
  const errors: FieldError[] = [];
  const walk = (value: unknown, path: string, depth: number, parentKey: string | undefined) => {
    if (typeof value !== 'object' || value === null) return;
    if (depth > maxDepth) {
      errors.push({ field: path || '(root)', reason: 'too_deep' });
      return;
    }
    const inArray = Array.isArray(value);
    for (const key of Object.keys(value)) {
      const field = fieldPath(path, key, inArray);
      if (key === '__proto__' || (key === 'prototype' && parentKey === 'constructor')) {
        errors.push({ field, reason: 'forbidden_key' });
      } else if (!inArray && protectedFields.has(key)) {
        errors.push({ field, reason: 'protected' });
      } else {
        walk((value as Record<string, unknown>)[key], field, depth + 1, key);
      }
      if (errors.length >= MAX_ERRORS) return;
    }
  };
  walk(root, rootPath, 0, undefined);
  return errors;
}

function flatten(
  errors: readonly ValidationError[],
  prefix: string,
  inArray: boolean,
): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    // class-validator's `unknownValue` error (a DTO class with no rules) names no property.
    const field =
      error.property === undefined
        ? prefix || '(root)'
        : fieldPath(prefix, error.property, inArray);
    for (const constraint of Object.keys(error.constraints ?? {})) {
      result.push({ field, reason: constraint === 'whitelistValidation' ? 'unknown' : constraint });
    }
    // The children of an array property (`@ValidateNested({ each: true })`) are its indices.
    if (error.children?.length) {
      result.push(...flatten(error.children, field, Array.isArray(error.value)));
    }
  }
  return result;
}

/** Field names come from the client: echo only plain ones. */
function safeName(name: string): string {
  return SAFE_NAME.test(name) ? name : '(invalid name)';
}

function invalid(errors: FieldError[]): ProblemException {
  return problem('invalid-request', {
    detail: 'The request has fields that are not allowed or not valid.',
    extensions: { errors },
    reason: `validation_failed:${errors.map((error) => error.reason).join(',')}`,
  });
}
