import { ProblemException } from '@bulwark/core';
import { Expose, Type } from 'class-transformer';
import { IsString, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { serializeWith } from './serialize.decorator.js';
import { StrictValidationPipe } from './strict-validation.pipe.js';

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

async function errorsOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    return (error as ProblemException).problem.errors;
  }
  throw new Error('expected a rejection');
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
    ).toEqual([{ field: 'tags[0].admin', reason: 'unknown' }]);
  });

  it('rejects protected fields even when the DTO declares them, unless configured', async () => {
    class WithRole {
      @IsString() role!: string;
    }
    const meta = { type: 'body' as const, metatype: WithRole };
    expect(await errorsOf(pipe.transform({ role: 'admin' }, meta))).toEqual([
      { field: 'role', reason: 'protected' },
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
    ).toEqual([{ field: 'a.__proto__', reason: 'forbidden_key' }]);
    expect(
      await errorsOf(pipe.transform(JSON.parse('{"constructor":{"prototype":{"x":1}}}'), untyped)),
    ).toEqual([{ field: 'constructor.prototype', reason: 'forbidden_key' }]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('rejects nesting deeper than maxDepth', async () => {
    const deep = JSON.parse(`${'{"a":'.repeat(5)}1${'}'.repeat(5)}`);
    const shallow = new StrictValidationPipe({ maxDepth: 3 });
    expect(await errorsOf(shallow.transform(deep, { type: 'body', metatype: Object }))).toEqual([
      { field: 'a.a.a.a', reason: 'too_deep' },
    ]);
  });

  it('does not echo odd field names', async () => {
    const errors = await errorsOf(pipe.transform({ title: 't', tags: [], '<script>': 1 }, body));
    expect(errors).toEqual([{ field: '(invalid name)', reason: 'unknown' }]);
  });
});

describe('serializeWith', () => {
  class View {
    @Expose() id!: string;
  }
  it('keeps only exposed fields, for objects and arrays', () => {
    expect(serializeWith(View, { id: '1', secret: 's' })).toEqual({ id: '1' });
    expect(serializeWith(View, [{ id: '1', secret: 's' }])).toEqual([{ id: '1' }]);
    expect(serializeWith(View, null)).toBeNull();
  });
});
