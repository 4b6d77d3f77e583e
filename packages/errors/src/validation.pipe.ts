import { type ArgumentMetadata, Injectable, type PipeTransform, type Type } from '@nestjs/common';
import { arrayType, type DtoClass, elementOf } from './internal/array-body.js';
import { classTransformer, classValidator } from './internal/class-packages.js';
import {
  findForbiddenKeys,
  flatten,
  MAX_VIOLATIONS,
  safeName,
  type Violation,
} from './internal/field-checks.js';
import {
  PROTECTED_FIELDS,
  type ResolvedValidationOptions,
  resolveValidationOptions,
} from './internal/validation-options.js';
import { validationFailed } from './internal/validation-problem.js';
import type { StrictValidationOptions } from './validation-options.interface.js';

/**
 * The body fields {@link StrictValidationPipe} refuses by default, whatever a DTO declares
 * (mass assignment, OWASP API3): `id`, `_id`, `owner`, `ownerId`, `tenantId`, `role`, `roles`,
 * `permissions`, `isAdmin`, `createdAt`, `updatedAt`.
 *
 * @example
 * ```ts
 * new StrictValidationPipe({
 *   protectedFields: DEFAULT_PROTECTED_FIELDS.filter((field) => field !== 'role'),
 * });
 * ```
 */
export const DEFAULT_PROTECTED_FIELDS: readonly string[] = PROTECTED_FIELDS;

/** Types that name no DTO class: nothing to validate them against. */
const NOT_DTOS = new Set<unknown>([String, Number, Boolean, Array, Object, Date, Buffer]);

/**
 * The one validation pipe of Bulwark. It validates `@Body()`, `@Query()` and `@Param()` DTOs with
 * class-validator and refuses, with a `validation-failed` problem (400) that names each field
 * and the rules it broke but never the values sent:
 * - fields the DTO does not declare (`unknown`), and values that break its rules (`isString`);
 * - protected fields such as `ownerId` or `role` at any depth of a body (`protected`), even
 *   where a DTO declares them;
 * - `__proto__` and `constructor.prototype` keys at any depth (`forbidden_key`, prototype
 *   pollution), and nesting deeper than `maxDepth` (`too_deep`);
 * - a DTO body that is not an object (`not_an_object`).
 *
 * A body declared with `@BodyOf([Dto])` (`@bulwark/authz`) must be an array (`not_an_array`),
 * and each element is validated like a single DTO, errors named `[0].field`. A body typed
 * `Array` or `Object` (an interface, `Record<…>`, `any`) has no class to validate against: it
 * passes with the key checks only (`AuthzModule` refuses such routes at start-up unless they
 * carry `@UncheckedBody()`).
 *
 * class-validator and class-transformer are loaded by the first DTO it validates.
 * `applyErrorHandling`, `ErrorsModule`, `@bulwark/http`'s `applySecurity` and
 * `@bulwark/authz`'s `AuthzModule` install it globally; each takes its options as `validation`.
 *
 * @throws BulwarkConfigError from the constructor, naming an invalid option.
 * @example
 * ```ts
 * app.useGlobalPipes(new StrictValidationPipe({ protectedFields: ['ownerId', 'role'] }));
 * ```
 */
@Injectable()
export class StrictValidationPipe implements PipeTransform {
  private readonly options: ResolvedValidationOptions;

  constructor(options: StrictValidationOptions = {}) {
    this.options = resolveValidationOptions(options);
  }

  /**
   * Checks one argument of a route (or a message payload, as `{ type: 'body', metatype }`).
   *
   * @throws ProblemException `validation-failed` (400) listing the offending fields.
   */
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom') return value;
    // `@Body('items')` hands over `body.items`: errors are named from the body's root.
    const root = typeof metadata.data === 'string' ? safeName(metadata.data) : '';
    const keyErrors = findForbiddenKeys(
      value,
      root,
      this.options.maxDepth,
      metadata.type === 'body' ? this.options.protectedFields : NONE,
    );
    if (keyErrors.length > 0) throw validationFailed(keyErrors);
    const metatype = metadata.metatype;
    const element = elementOf(metatype);
    if (element) return this.validateArray(value, element, root);
    if (NOT_DTOS.has(metatype) || typeof metatype !== 'function') {
      return this.options.transform ? transformPrimitive(value, metadata) : value;
    }
    if (!isRecord(value)) {
      throw validationFailed([{ field: root || '(root)', rule: 'not_an_object' }]);
    }
    const errors: Violation[] = [];
    const instance = await this.validateOne(metatype, value, root, errors);
    if (errors.length > 0) throw validationFailed(errors);
    return this.options.transform ? instance : value;
  }

  /** Each element against the same whitelist as a single DTO; errors are named `[0].field`. */
  private async validateArray(value: unknown, element: DtoClass, root: string): Promise<unknown> {
    if (!Array.isArray(value)) {
      throw validationFailed([{ field: root || '(root)', rule: 'not_an_array' }]);
    }
    const errors: Violation[] = [];
    const instances: object[] = [];
    for (let index = 0; index < value.length && errors.length < MAX_VIOLATIONS; index++) {
      const item: unknown = value[index];
      if (!isRecord(item)) {
        errors.push({ field: `${root}[${index}]`, rule: 'not_an_object' });
        continue;
      }
      instances.push(await this.validateOne(element, item, `${root}[${index}]`, errors));
    }
    if (errors.length > 0) throw validationFailed(errors);
    return this.options.transform ? instances : value;
  }

  private async validateOne(
    metatype: DtoClass,
    value: Record<string, unknown>,
    prefix: string,
    errors: Violation[],
  ): Promise<object> {
    const instance = classTransformer().plainToInstance(
      metatype as new () => object,
      value,
      this.options.transformOptions,
    ) as object;
    const found = await classValidator().validate(instance, VALIDATOR_OPTIONS);
    if (found.length > 0) errors.push(...flatten(found, prefix, false));
    return instance;
  }
}

/**
 * The parameter type that makes {@link StrictValidationPipe} validate an array of `element`
 * DTOs: the value must be an array, and each element is validated like a single DTO. For route
 * decorators such as `@bulwark/authz`'s `@BodyOf([Dto])`, which sets it as the parameter's
 * `design:paramtypes` entry (Nest's metadata gives only `Array` for `Dto[]`). The same class
 * comes back for the same element, named `Dto[]`.
 *
 * @example
 * ```ts
 * const types = Reflect.getMetadata('design:paramtypes', prototype, 'createMany');
 * types[0] = arrayOf(CreateNote);
 * Reflect.defineMetadata('design:paramtypes', types, prototype, 'createMany');
 * ```
 */
export function arrayOf(element: abstract new (...args: never) => object): Type<object> {
  return arrayType(element) as unknown as Type<object>;
}

const NONE: ReadonlySet<string> = new Set();
const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `@Query('n') n: number` and `@Param('on') on: boolean` as Nest's `ValidationPipe` turns them. */
function transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
  if (!metadata.data || (metadata.type !== 'param' && metadata.type !== 'query')) return value;
  if (value === undefined) return value;
  if (metadata.metatype === Boolean) return value === true || value === 'true';
  if (metadata.metatype === Number) return +(value as string);
  if (metadata.metatype === String) return String(value);
  return value;
}

/**
 * The pipe an application without `@bulwark/authz` installs: no protected fields unless
 * `options.protectedFields` names some (the application has not said which fields its clients
 * own), and the body parser's depth limit unless `options.maxDepth` sets one. `applyErrorHandling`,
 * `ErrorsModule` and `@bulwark/http`'s `applySecurity` install it; `AuthzModule` installs the
 * pipe with its default protected fields instead.
 *
 * @param options - the pipe's options; they win over both defaults.
 * @param bodyMaxDepth - the body parser's `maxDepth`, when one is installed.
 * @throws BulwarkConfigError for an invalid option.
 * @example
 * ```ts
 * app.useGlobalPipes(applicationValidationPipe({}, 32));
 * ```
 */
export function applicationValidationPipe(
  options: StrictValidationOptions = {},
  bodyMaxDepth?: number,
): StrictValidationPipe {
  return new StrictValidationPipe({
    protectedFields: [],
    ...(bodyMaxDepth === undefined ? {} : { maxDepth: bodyMaxDepth }),
    ...options,
  });
}
