import { Expose } from 'class-transformer';
import { describe, expect, it } from 'vitest';
import { serializeWith } from './serialize.decorator.js';

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
