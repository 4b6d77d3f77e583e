import { describe, expect, it } from 'vitest';
import { resolveErrorsOptions } from './validate-options.js';

describe('resolveErrorsOptions', () => {
  it('installs the pipe with no protected fields and assigns request ids by default', () => {
    const defaults = { validation: { protectedFields: [] }, requestIds: true };
    expect(resolveErrorsOptions(undefined)).toEqual(defaults);
    expect(resolveErrorsOptions({ validation: true, requestIds: true })).toEqual(defaults);
  });

  it('adds no protected fields to pipe options that leave them unset, and keeps the rest', () => {
    expect(resolveErrorsOptions({ validation: { maxDepth: 8, transform: false } })).toEqual({
      validation: { protectedFields: [], maxDepth: 8, transform: false },
      requestIds: true,
    });
    expect(resolveErrorsOptions({ validation: { protectedFields: ['ownerId'] } })).toEqual({
      validation: { protectedFields: ['ownerId'] },
      requestIds: true,
    });
  });

  it('keeps validation and request ids switched off', () => {
    expect(resolveErrorsOptions({ validation: false, requestIds: false })).toEqual({
      validation: false,
      requestIds: false,
    });
  });
});
