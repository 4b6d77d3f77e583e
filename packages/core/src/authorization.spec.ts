import { describe, expect, it } from 'vitest';
import { parseAuthorization } from './authorization.js';

/**
 * The oracle: the parser `@bulwark/core` (`parseBearer`, Bearer only) and `@bulwark/auth`
 * (Bearer and DPoP) each had before `parseAuthorization` replaced both: scheme lower-cased,
 * spaces stripped by a regular expression, token checked by the b64token expression.
 */
const OLD_B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
function oldParseAuthorization(header: string | undefined) {
  if (header === undefined || header === '') return { kind: 'missing' };
  const space = header.indexOf(' ');
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'dpop') return { kind: 'other-scheme' };
  const token = space === -1 ? '' : header.slice(space + 1).replace(/^ +/, '');
  return { kind: scheme, token, wellFormed: OLD_B64TOKEN.test(token) };
}

const JWT = `eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.${'eyJzdWIiOiJ1c2VyIn0'.repeat(40)}.${'c2ln'.repeat(22)}`;

const TOKENS = [
  '',
  'a',
  'abc.def-ghi_~+/==',
  'abc=',
  'abc=====',
  '=',
  '==abc',
  'abc=def',
  'a b',
  'a  b',
  'a\tb',
  'abc ',
  ' ',
  'abc,def',
  'abc"',
  'abc:def',
  'abc\u00e9',
  '\u00e9',
  'abc\u{1F600}',
  'abc\r\n',
  'abc\0',
  'ABCxyz0189-._~+/',
  JWT,
  `${JWT}=`,
  `${JWT}!`,
  `${JWT}= `,
  '='.repeat(50_000),
  `a${'='.repeat(50_000)}`,
  `a${'='.repeat(50_000)}!`,
  `a${'='.repeat(50_000)}a`,
  'a'.repeat(50_000),
  `${'a'.repeat(50_000)}!`,
  `${'a'.repeat(50_000)}=!`,
  '!'.repeat(50_000),
  `${'a='.repeat(25_000)}`,
  ' '.repeat(50_000),
];

const SCHEMES = [
  'Bearer',
  'bearer',
  'BEARER',
  'bEaReR',
  'DPoP',
  'dpop',
  'DPOP',
  'Basic',
  'Bearerx',
  'Bea',
  'DPo',
  'dpops',
  'Digest',
  '',
];
const SEPARATORS = ['', ' ', '  ', '   ', '\t', ' \t'];

const HEADERS: (string | undefined)[] = [
  undefined,
  '',
  ' ',
  ' Bearer abc',
  'Bearer\tabc',
  'Bearer,abc',
  'Bearer abc Bearer def',
  'Basic dXNlcjpwYXNz',
  `Bearer${' '.repeat(50_000)}abc`,
  `Bearer${' '.repeat(50_000)}`,
  ...SCHEMES.flatMap((scheme) =>
    SEPARATORS.flatMap((separator) => TOKENS.map((token) => `${scheme}${separator}${token}`)),
  ),
];

describe('parseAuthorization', () => {
  it.each([
    [undefined, { kind: 'missing' }],
    ['', { kind: 'missing' }],
    ['Basic dXNlcjpwYXNz', { kind: 'other-scheme' }],
    ['bearer abc.def-ghi_~+/==', { kind: 'bearer', token: 'abc.def-ghi_~+/==', wellFormed: true }],
    ['Bearer   spaced', { kind: 'bearer', token: 'spaced', wellFormed: true }],
    ['Bearer a b', { kind: 'bearer', token: 'a b', wellFormed: false }],
    ['Bearer', { kind: 'bearer', token: '', wellFormed: false }],
    ['DPoP abc.def', { kind: 'dpop', token: 'abc.def', wellFormed: true }],
    ['dpop abc=def', { kind: 'dpop', token: 'abc=def', wellFormed: false }],
    ['Bearer\tabc', { kind: 'other-scheme' }],
  ])('reads %j', (header, expected) => {
    expect(parseAuthorization(header)).toEqual(expected);
  });

  it(`reads ${HEADERS.length} valid, invalid and hostile headers as the former regular expression did`, () => {
    const differing = HEADERS.filter((header) => {
      const got = parseAuthorization(header);
      const want = oldParseAuthorization(header);
      return JSON.stringify(got) !== JSON.stringify(want);
    });
    expect(differing.map((header) => header?.slice(0, 80))).toEqual([]);
  });

  it('agrees with the former regular expression on every UTF-16 code unit in the scheme and the token', () => {
    const differing: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      const headers = [
        `Bearer a${char}`,
        `Bearer ${char}`,
        `Bearer a=${char}`,
        `${char}earer a`,
        `Beare${char} a`,
        `DPo${char} a`,
        `${char}PoP a`,
        `Bearer${char}a`,
      ];
      for (const header of headers) {
        if (
          JSON.stringify(parseAuthorization(header)) !==
          JSON.stringify(oldParseAuthorization(header))
        ) {
          differing.push(header);
        }
      }
    }
    expect(differing).toEqual([]);
  });

  it('answers a well-formed token with the same token string it was given', () => {
    const credentials = parseAuthorization(`Bearer ${JWT}`);
    expect(credentials).toEqual({ kind: 'bearer', token: JWT, wellFormed: true });
  });
});
