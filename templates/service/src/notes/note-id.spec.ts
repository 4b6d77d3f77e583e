import { describe, expect, it } from 'vitest';
import { isNoteId, newNoteId } from './note-id.js';

const NOW = new Date('2030-01-02T03:04:05.000Z');

describe('newNoteId', () => {
  it('makes UUIDv7 ids that start with the time and sort in creation order', () => {
    const at = NOW.getTime() + 10_000;
    const id = newNoteId(at);
    expect(isNoteId(id)).toBe(true);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.replace(/-/g, '').slice(0, 12)).toBe(at.toString(16).padStart(12, '0'));
    // Many in one millisecond, and some with a clock that went back: still strictly increasing.
    const ids = [id];
    for (let i = 0; i < 1000; i++) ids.push(newNoteId(i % 100 === 0 ? at - 1 : at));
    ids.push(newNoteId(at + 1));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const next of ids) expect(next).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
  });
});
