import { describe, expect, it } from 'vitest';
import { locateJsonSyntaxError } from './json-syntax.js';

const VALID = [
  '{"a":1,"b":[true,false,null,"x\\u00e9\\n",-0.5e+3,0,12.25E-2]}',
  ' [ 1 , 2 , { "k" : { "z" : [ ] } } ] ',
  '"text"',
  '-0',
  '{}',
];
const INSERTED = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '1',
  '0',
  '-',
  '.',
  'e',
  't',
  'n',
  '\\',
  ' ',
  '\u0001',
  'x',
];

/** Every text made from a valid one by cutting it, or by inserting or replacing one character. */
function variants(): string[] {
  const texts = new Set<string>();
  for (const valid of VALID) {
    for (let at = 0; at <= valid.length; at += 1) {
      texts.add(valid.slice(0, at));
      for (const character of INSERTED) {
        texts.add(valid.slice(0, at) + character + valid.slice(at));
        texts.add(valid.slice(0, at) + character + valid.slice(at + 1));
      }
    }
  }
  return [...texts];
}

describe('locateJsonSyntaxError', () => {
  it('agrees with JSON.parse on validity, and with V8 on the position wherever V8 gives one', () => {
    let positioned = 0;
    const disagreements: unknown[] = [];
    for (const text of variants()) {
      let message: string | undefined;
      try {
        JSON.parse(text);
      } catch (error) {
        message = (error as Error).message;
      }
      const found = locateJsonSyntaxError(text);
      if ((found === undefined) !== (message === undefined)) disagreements.push({ text, found });
      const position = message === undefined ? undefined : /at position (\d+)/.exec(message)?.[1];
      if (position !== undefined) {
        positioned += 1;
        if (found?.position !== Number(position)) disagreements.push({ text, found, message });
      }
    }
    expect(disagreements).toEqual([]);
    expect(positioned).toBeGreaterThan(1000);
  });

  it.each([
    ['{"password": Sup3rS3cret}', { position: 13, kind: 'unexpected character' }],
    ['{"a":"b', { position: 7, kind: 'unexpected end' }],
    ['{"a":"\u0001"}', { position: 6, kind: 'control character in string' }],
    ['"\\q"', { position: 2, kind: 'invalid escape' }],
    ['"\\u12G4"', { position: 5, kind: 'invalid escape' }],
    ['-', { position: 1, kind: 'unexpected end' }],
    ['1.e5', { position: 2, kind: 'invalid number' }],
    ['{} x', { position: 3, kind: 'data after the value' }],
    ['', { position: 0, kind: 'unexpected end' }],
  ])('names %j as %j', (text, expected) => {
    expect(locateJsonSyntaxError(text)).toEqual(expected);
  });
});
