import type { ClassTransformOptions } from 'class-transformer';

/**
 * Options of {@link StrictValidationPipe}, and the `validation` option of `ErrorsModule`,
 * `applyErrorHandling`, `@bulwark/http`'s `applySecurity` and `@bulwark/authz`'s `AuthzModule`.
 *
 * Unknown fields are always refused (class-validator's `whitelist`, `forbidNonWhitelisted` and
 * `forbidUnknownValues`): `false` for any of those three is refused at start-up.
 *
 * @example
 * ```ts
 * new StrictValidationPipe({ protectedFields: ['ownerId', 'role'], maxDepth: 16 });
 * ```
 */
export interface StrictValidationOptions {
  /**
   * Body fields always refused with 400, at any depth (in nested objects, in array elements,
   * and in bodies typed `Object`), even when a DTO declares them (mass assignment, OWASP API3).
   * Pass `[]` when a DTO must accept one of these names.
   * @default DEFAULT_PROTECTED_FIELDS; `[]` where `ErrorsModule`, `applyErrorHandling` or
   * `applySecurity` install the pipe
   */
  protectedFields?: readonly string[];
  /**
   * The deepest nesting of objects and arrays accepted in a body or query (the root object is
   * depth 0), from 1 to 1000.
   * @default 32; the body parser's `maxDepth` where `applyErrorHandling` or `applySecurity`
   * install the pipe
   */
  maxDepth?: number;
  /**
   * Hand handlers the validated DTO instance (not the plain object), and turn `@Query('n')` and
   * `@Param('id')` values declared `number` or `boolean` into numbers and booleans, as Nest's
   * `ValidationPipe` does with `transform: true`. `false` validates and hands over the value as
   * it came.
   * @default true
   */
  transform?: boolean;
  /**
   * class-transformer options for turning plain values into DTO instances, such as
   * `{ enableImplicitConversion: true }`.
   * @default undefined
   */
  transformOptions?: ClassTransformOptions;
  /** Always on; `false` is refused. Accepted for options written for Nest's `ValidationPipe`. */
  whitelist?: true;
  /** Always on; `false` is refused. Accepted for options written for Nest's `ValidationPipe`. */
  forbidNonWhitelisted?: true;
  /** Always on; `false` is refused. Accepted for options written for Nest's `ValidationPipe`. */
  forbidUnknownValues?: true;
}

/** One offending field in a `validation-failed` problem's `errors` member. */
export interface FieldViolation {
  /**
   * The field's path from the root of the body, query or parameters, such as `title`,
   * `tags[0].name`, or `[0].ownerId` in an array body; at most 64 characters. A name that is
   * not plain (`[\w.$-]`, 1 to 64 characters) is sent as `(invalid name)`, `(root)` is the value
   * itself.
   */
  field: string;
  /**
   * The rules it broke: a class-validator constraint (`isString`, `maxLength`), or `unknown`
   * (a field the DTO does not declare), `protected`, `forbidden_key` (`__proto__`,
   * `constructor.prototype`), `too_deep`, `not_an_object` or `not_an_array`.
   */
  rules: string[];
}
