import { describe, expect, it } from 'vitest';
import { parseBearer } from './bearer.js';

describe('parseBearer', () => {
  it.each([
    [undefined, { kind: 'missing' }],
    ['', { kind: 'missing' }],
    ['Basic dXNlcjpwYXNz', { kind: 'other-scheme' }],
    ['bearer abc.def-ghi_~+/==', { kind: 'bearer', token: 'abc.def-ghi_~+/==', wellFormed: true }],
    ['Bearer   spaced', { kind: 'bearer', token: 'spaced', wellFormed: true }],
    ['Bearer a b', { kind: 'bearer', token: 'a b', wellFormed: false }],
    ['Bearer', { kind: 'bearer', token: '', wellFormed: false }],
  ])('reads %j', (header, expected) => {
    expect(parseBearer(header)).toEqual(expected);
  });
});
