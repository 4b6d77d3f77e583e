import { ProblemException } from '@bulwark/core';
import { expectConfigError } from '@bulwark/test-harness';
import { Type } from 'class-transformer';
import { IsInt, IsString, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { arrayOf, StrictValidationPipe } from './validation.pipe.js';

class Tag {
  @IsString() name!: string;
}
class Payload {
  @IsString() title!: string;
  @ValidateNested({ each: true })
  @Type(() => Tag)
  tags!: Tag[];
}

const body = { type: 'body' as const, metatype: Payload };

async function problemOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    return (error as ProblemException).problem;
  }
  throw new Error('expected a rejection');
}

async function errorsOf(promise: Promise<unknown>) {
  return (await problemOf(promise)).errors;
}

describe('StrictValidationPipe', () => {
  const pipe = new StrictValidationPipe();

  it('returns a validated instance', async () => {
    const value = await pipe.transform({ title: 't', tags: [{ name: 'a' }] }, body);
    expect(value).toBeInstanceOf(Payload);
  });

  it('rejects unknown fields at any depth', async () => {
    expect(
      await errorsOf(pipe.transform({ title: 't', tags: [{ name: 'a', admin: true }] }, body)),
    ).toEqual([{ field: 'tags[0].admin', rules: ['unknown'] }]);
  });

  it('rejects protected fields even when the DTO declares them, unless configured', async () => {
    class WithRole {
      @IsString() role!: string;
    }
    const meta = { type: 'body' as const, metatype: WithRole };
    expect(await errorsOf(pipe.transform({ role: 'admin' }, meta))).toEqual([
      { field: 'role', rules: ['protected'] },
    ]);
    expect(
      await new StrictValidationPipe({ protectedFields: [] }).transform({ role: 'x' }, meta),
    ).toEqual({
      role: 'x',
    });
  });

  it('rejects __proto__ and constructor.prototype even on untyped bodies', async () => {
    const untyped = { type: 'body' as const, metatype: Object };
    expect(
      await errorsOf(pipe.transform(JSON.parse('{"a":{"__proto__":{"x":1}}}'), untyped)),
    ).toEqual([{ field: 'a.__proto__', rules: ['forbidden_key'] }]);
    expect(
      await errorsOf(pipe.transform(JSON.parse('{"constructor":{"prototype":{"x":1}}}'), untyped)),
    ).toEqual([{ field: 'constructor.prototype', rules: ['forbidden_key'] }]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('rejects nesting deeper than maxDepth', async () => {
    const deep = JSON.parse(`${'{"a":'.repeat(5)}1${'}'.repeat(5)}`);
    const shallow = new StrictValidationPipe({ maxDepth: 3 });
    expect(await errorsOf(shallow.transform(deep, { type: 'body', metatype: Object }))).toEqual([
      { field: 'a.a.a.a', rules: ['too_deep'] },
    ]);
  });

  it('does not echo odd field names', async () => {
    const errors = await errorsOf(pipe.transform({ title: 't', tags: [], '<script>': 1 }, body));
    expect(errors).toEqual([{ field: '(invalid name)', rules: ['unknown'] }]);
  });
});

describe('the validation-failed problem', () => {
  const pipe = new StrictValidationPipe();

  it('names each field once with every rule it broke, in a detail without values', async () => {
    class Counted {
      @IsInt() @IsString() count!: number;
      @IsString() label!: string;
    }
    const problem = await problemOf(
      pipe.transform(
        { count: 1.5, label: 7, extra: 'SECRET-2', more: 'SECRET-3' },
        { type: 'body', metatype: Counted },
      ),
    );
    expect(problem).toEqual({
      type: 'urn:bulwark:problem:validation-failed',
      title: 'Validation Failed',
      status: 400,
      detail: 'The request has invalid or unknown fields: extra, more, count, label.',
      errors: [
        { field: 'extra', rules: ['unknown'] },
        { field: 'more', rules: ['unknown'] },
        { field: 'count', rules: ['isString', 'isInt'] },
        { field: 'label', rules: ['isString'] },
      ],
    });
    expect(JSON.stringify(problem)).not.toMatch(/SECRET|1\.5/);
  });

  it('sends at most 64 characters of a field path', async () => {
    const segment = 'a'.repeat(30);
    const nested = { [segment]: { [segment]: { [segment]: { __proto__: null, role: 'x' } } } };
    const [error] = (await errorsOf(
      pipe.transform(nested, { type: 'body', metatype: Object }),
    )) as { field: string }[];
    expect(error?.field).toBe(`${`${segment}.${segment}.`.slice(0, 61)}...`);
    expect(error?.field).toHaveLength(64);
  });
});

describe('arrayOf', () => {
  const pipe = new StrictValidationPipe();
  const meta = { type: 'body' as const, metatype: arrayOf(Tag) };

  it('is one class per element class, named after it', () => {
    expect(arrayOf(Tag)).toBe(meta.metatype);
    expect(arrayOf(Tag).name).toBe('Tag[]');
  });

  it('validates every element, naming errors by index', async () => {
    const value = await pipe.transform([{ name: 'a' }], meta);
    expect(value).toEqual([expect.any(Tag)]);
    expect(
      await errorsOf(pipe.transform([{ name: 1 }, 'x', { name: 'b', id: 'x' }], meta)),
    ).toEqual([{ field: '[2].id', rules: ['protected'] }]);
    expect(await errorsOf(pipe.transform([{ name: 1 }, 'x'], meta))).toEqual([
      { field: '[0].name', rules: ['isString'] },
      { field: '[1]', rules: ['not_an_object'] },
    ]);
    expect(await errorsOf(pipe.transform({ name: 'a' }, meta))).toEqual([
      { field: '(root)', rules: ['not_an_array'] },
    ]);
  });
});

describe('when transform is false', () => {
  const pipe = new StrictValidationPipe({ transform: false });

  it('validates, and hands over the value as it came', async () => {
    const plain = { title: 't', tags: [{ name: 'a' }] };
    expect(await pipe.transform(plain, body)).toBe(plain);
    expect(await errorsOf(pipe.transform({ title: 1, tags: [] }, body))).toEqual([
      { field: 'title', rules: ['isString'] },
    ]);
    expect(await pipe.transform('42', { type: 'param', metatype: Number, data: 'id' })).toBe('42');
  });
});

describe('when transform is true (the default)', () => {
  const pipe = new StrictValidationPipe();

  it('turns number and boolean query and path parameters into numbers and booleans', async () => {
    const param = (metatype: unknown, value: unknown, type: 'param' | 'query' = 'param') =>
      pipe.transform(value, { type, metatype: metatype as never, data: 'x' });
    expect(await param(Number, '42')).toBe(42);
    expect(await param(Boolean, 'true', 'query')).toBe(true);
    expect(await param(Boolean, 'yes', 'query')).toBe(false);
    expect(await param(String, '42')).toBe('42');
    expect(await param(Number, undefined, 'query')).toBeUndefined();
    expect(await pipe.transform('42', { type: 'body', metatype: Number, data: 'x' })).toBe('42');
  });

  it('passes transformOptions to class-transformer', async () => {
    class Page {
      @IsInt() limit!: number;
    }
    const query = { type: 'query' as const, metatype: Page };
    expect(await errorsOf(pipe.transform({ limit: '5' }, query))).toEqual([
      { field: 'limit', rules: ['isInt'] },
    ]);
    const implicit = new StrictValidationPipe({
      transformOptions: { enableImplicitConversion: true },
    });
    expect(await implicit.transform({ limit: '5' }, query)).toEqual({ limit: 5 });
  });
});

describe('invalid options', () => {
  it.each([
    [{ protectedFields: 'role' }, 'validation.protectedFields: must be an array of field names'],
    [{ maxDepth: 0 }, 'validation.maxDepth: must be an integer from 1 to 1000'],
    [{ transform: 'yes' }, 'validation.transform: must be true or false'],
    [{ transformOptions: 1 }, 'validation.transformOptions: must be an object'],
    [
      { whitelist: false },
      'validation.whitelist: is always on: unknown fields are refused, never passed on or dropped',
    ],
    [
      { exceptionFactory: () => new Error() },
      'validation.exceptionFactory: is not an option of the validation pipe; it takes protectedFields, maxDepth, transform, transformOptions',
    ],
  ])('refuses %o, naming the option', (options, message) => {
    expectConfigError(() => new StrictValidationPipe(options as never), { message });
  });

  it('accepts the options Nest ValidationPipe users set that it always applies', () => {
    expect(
      () =>
        new StrictValidationPipe({
          whitelist: true,
          forbidNonWhitelisted: true,
          forbidUnknownValues: true,
        }),
    ).not.toThrow();
  });
});
