/** What is wrong at the first invalid position of a JSON text. */
export type JsonSyntaxKind =
  | 'unexpected character'
  | 'unexpected end'
  | 'control character in string'
  | 'invalid escape'
  | 'invalid number'
  | 'data after the value';

/** Where and how a JSON text first breaks RFC 8259: a position and a kind, no input text. */
export interface JsonSyntaxError {
  /** The offset of the offending character, in UTF-16 code units from the start of the text. */
  position: number;
  kind: JsonSyntaxKind;
}

// What the scanner expects next.
const VALUE = 0;
const VALUE_OR_CLOSE = 1;
const KEY = 2;
const KEY_OR_CLOSE = 3;
const COLON = 4;
const COMMA_OR_CLOSE = 5;
const DONE = 6;

const OBJECT = 0x7b;
const ARRAY = 0x5b;

function isWhitespace(code: number): boolean {
  // RFC 8259 §2: space, horizontal tab, line feed, carriage return.
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isHex(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

/** Scans a string starting at its opening quote: the index after it, or the error. */
function scanString(text: string, start: number): number | JsonSyntaxError {
  let index = start + 1;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 0x22) return index + 1;
    if (code < 0x20) return { position: index, kind: 'control character in string' };
    if (code === 0x5c) {
      if (index + 1 >= text.length) break;
      const escaped = text.charCodeAt(index + 1);
      if (SIMPLE_ESCAPES.has(escaped)) {
        index += 2;
        continue;
      }
      if (escaped !== 0x75) return { position: index + 1, kind: 'invalid escape' };
      for (let digit = index + 2; digit < index + 6; digit += 1) {
        if (digit >= text.length) return { position: text.length, kind: 'unexpected end' };
        if (!isHex(text.charCodeAt(digit))) return { position: digit, kind: 'invalid escape' };
      }
      index += 6;
      continue;
    }
    index += 1;
  }
  return { position: text.length, kind: 'unexpected end' };
}

/** Scans a number (RFC 8259 §6): the index after it, or the error. */
function scanNumber(text: string, start: number): number | JsonSyntaxError {
  let index = start;
  const fail = (at: number): JsonSyntaxError =>
    at >= text.length
      ? { position: text.length, kind: 'unexpected end' }
      : { position: at, kind: 'invalid number' };
  if (text.charCodeAt(index) === 0x2d) index += 1;
  if (text.charCodeAt(index) === 0x30) index += 1;
  else if (isDigit(text.charCodeAt(index))) {
    while (isDigit(text.charCodeAt(index))) index += 1;
  } else return fail(index);
  if (text.charCodeAt(index) === 0x2e) {
    index += 1;
    if (!isDigit(text.charCodeAt(index))) return fail(index);
    while (isDigit(text.charCodeAt(index))) index += 1;
  }
  const exponent = text.charCodeAt(index);
  if (exponent === 0x65 || exponent === 0x45) {
    index += 1;
    const sign = text.charCodeAt(index);
    if (sign === 0x2b || sign === 0x2d) index += 1;
    if (!isDigit(text.charCodeAt(index))) return fail(index);
    while (isDigit(text.charCodeAt(index))) index += 1;
  }
  return index;
}

const LITERALS = ['true', 'false', 'null'];

/** Scans `true`, `false` or `null`: the index after it, or the error. */
function scanLiteral(text: string, start: number): number | JsonSyntaxError {
  const literal = LITERALS.find((word) => word.charCodeAt(0) === text.charCodeAt(start));
  if (literal === undefined) return { position: start, kind: 'unexpected character' };
  for (let offset = 1; offset < literal.length; offset += 1) {
    const at = start + offset;
    if (at >= text.length) return { position: text.length, kind: 'unexpected end' };
    if (text.charCodeAt(at) !== literal.charCodeAt(offset)) {
      return { position: at, kind: 'unexpected character' };
    }
  }
  return start + literal.length;
}

/**
 * Finds the first syntax error of a JSON text that `JSON.parse` refused, without recursion
 * (the depth was bounded before) and without keeping any of the text: V8's own message quotes
 * the input around the error, which would put request bodies in the log. Returns `undefined`
 * for a valid text.
 */
export function locateJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const containers: number[] = [];
  let expect = VALUE;
  let index = 0;
  const afterValue = () => {
    expect = containers.length === 0 ? DONE : COMMA_OR_CLOSE;
  };
  while (true) {
    while (index < text.length && isWhitespace(text.charCodeAt(index))) index += 1;
    if (index >= text.length) {
      return expect === DONE ? undefined : { position: text.length, kind: 'unexpected end' };
    }
    const code = text.charCodeAt(index);
    if (expect === DONE) return { position: index, kind: 'data after the value' };
    if (expect === COLON) {
      if (code !== 0x3a) return { position: index, kind: 'unexpected character' };
      expect = VALUE;
      index += 1;
      continue;
    }
    if (expect === COMMA_OR_CLOSE) {
      const container = containers[containers.length - 1];
      if (code === 0x2c) {
        expect = container === OBJECT ? KEY : VALUE;
        index += 1;
        continue;
      }
      if (code === (container === OBJECT ? 0x7d : 0x5d)) {
        containers.pop();
        afterValue();
        index += 1;
        continue;
      }
      return { position: index, kind: 'unexpected character' };
    }
    if (expect === KEY || expect === KEY_OR_CLOSE) {
      if (expect === KEY_OR_CLOSE && code === 0x7d) {
        containers.pop();
        afterValue();
        index += 1;
        continue;
      }
      if (code !== 0x22) return { position: index, kind: 'unexpected character' };
      const end = scanString(text, index);
      if (typeof end !== 'number') return end;
      expect = COLON;
      index = end;
      continue;
    }
    // VALUE or VALUE_OR_CLOSE
    if (expect === VALUE_OR_CLOSE && code === 0x5d) {
      containers.pop();
      afterValue();
      index += 1;
      continue;
    }
    if (code === OBJECT || code === ARRAY) {
      containers.push(code);
      expect = code === OBJECT ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
      index += 1;
      continue;
    }
    const end =
      code === 0x22
        ? scanString(text, index)
        : code === 0x2d || isDigit(code)
          ? scanNumber(text, index)
          : scanLiteral(text, index);
    if (typeof end !== 'number') return end;
    index = end;
    afterValue();
  }
}
