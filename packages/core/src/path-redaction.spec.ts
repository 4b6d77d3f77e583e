import { describe, expect, it } from 'vitest';
import { MAX_PATH_SEGMENT_LENGTH, redactLongPathSegments } from './path-redaction.js';

const TOKEN = 'a'.repeat(MAX_PATH_SEGMENT_LENGTH + 1);
const KEPT = 'k'.repeat(MAX_PATH_SEGMENT_LENGTH);

describe('redactLongPathSegments', () => {
  it.each([
    ['/', '/'],
    ['/v1/notes/42', '/v1/notes/42'],
    [`/reset/${KEPT}`, `/reset/${KEPT}`],
    [`/reset/${TOKEN}`, '/reset/[REDACTED]'],
    [`/reset/${TOKEN}/confirm/${KEPT}`, `/reset/[REDACTED]/confirm/${KEPT}`],
    [`/${TOKEN}/${TOKEN}/`, '/[REDACTED]/[REDACTED]/'],
    [TOKEN, '[REDACTED]'],
    [`/a/${KEPT}/b/${KEPT}/c`, `/a/${KEPT}/b/${KEPT}/c`],
  ])('%s → %s', (path, shown) => {
    expect(redactLongPathSegments(path)).toBe(shown);
  });
});
