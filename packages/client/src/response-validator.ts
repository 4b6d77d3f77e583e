/** A DTO class decorated with class-validator rules. */
export type ResponseClass<T> = new (...args: never[]) => T;

/**
 * Checks a downstream's JSON body before the caller sees it: a function that returns the typed
 * value or throws, or a DTO class validated with class-validator (unknown properties refused,
 * so a downstream cannot slip fields through). A refused body is a 502 `invalid_response`.
 *
 * @example
 * ```ts
 * const order = await orders.get('/orders/1', { validate: OrderDto });
 * const count = await orders.get('/count', {
 *   validate: (body) => {
 *     if (typeof body !== 'number') throw new TypeError('not a number');
 *     return body;
 *   },
 * });
 * ```
 */
export type ResponseValidator<T> = ((body: unknown) => T) | ResponseClass<T>;

interface ClassTools {
  plainToInstance: (cls: ResponseClass<unknown>, plain: unknown) => unknown;
  validateSync: (
    object: object,
    options: { whitelist: boolean; forbidNonWhitelisted: boolean; forbidUnknownValues: boolean },
  ) => unknown[];
}

let classTools: Promise<ClassTools> | undefined;

function loadClassTools(): Promise<ClassTools> {
  classTools ??= Promise.all([import('class-transformer'), import('class-validator')]).then(
    ([transformer, validator]) => ({
      plainToInstance: transformer.plainToInstance as ClassTools['plainToInstance'],
      validateSync: validator.validateSync as unknown as ClassTools['validateSync'],
    }),
  );
  return classTools;
}

function isClass(value: unknown): value is ResponseClass<unknown> {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/** Runs the validator; `invalid` builds the error thrown when the body is refused. */
export async function validateResponse<T>(
  body: unknown,
  validator: ResponseValidator<T> | undefined,
  invalid: (message: string) => Error,
): Promise<T> {
  if (validator === undefined) return body as T;
  if (isClass(validator)) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalid(`the response is not a ${validator.name} object`);
    }
    let tools: ClassTools;
    try {
      tools = await loadClassTools();
    } catch (error) {
      throw new TypeError(
        'validate: a DTO class needs class-validator and class-transformer installed',
        { cause: error },
      );
    }
    const instance = tools.plainToInstance(validator, body) as object;
    const errors = tools.validateSync(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    });
    if (errors.length > 0) {
      const properties = errors
        .map((error) => (error as { property?: string }).property)
        .join(', ');
      throw invalid(`the response fails ${validator.name} (${properties})`);
    }
    return instance as T;
  }
  try {
    return (validator as (body: unknown) => T)(body);
  } catch (error) {
    throw invalid(`the response validator refused the body: ${(error as Error).message}`);
  }
}
