import { type Principal, ProblemException, principalId } from '@bulwark/core';
import { Test } from '@nestjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { NOTES_CLOCK } from './notes.clock.js';
import { NotesRepository } from './notes.repository.js';
import { MAX_PAGE_SIZE, NotesService } from './notes.service.js';

const ISSUER = 'https://issuer.test';
const NOW = new Date('2030-01-02T03:04:05.000Z');

function principal(subject: string, roles: string[] = []): Principal {
  return {
    id: principalId(ISSUER, subject),
    issuer: ISSUER,
    subject,
    clientId: undefined,
    scopes: ['notes:read', 'notes:write'],
    roles,
    claims: {},
    expiresAt: new Date('2030-01-02T04:00:00.000Z'),
  };
}

const alice = principal('alice');
const bob = principal('bob');
const admin = principal('root', ['admin']);

function status(action: () => unknown): number {
  try {
    action();
  } catch (error) {
    if (error instanceof ProblemException) return error.getStatus();
    throw error;
  }
  return 200;
}

describe('NotesService', () => {
  let notes: NotesService;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [NotesRepository, NotesService, { provide: NOTES_CLOCK, useValue: () => NOW }],
    }).compile();
    notes = moduleRef.get(NotesService);
  });

  it('makes the caller the owner and stamps the injected clock', () => {
    const note = notes.create(alice, { title: 't', body: 'b' });
    expect(note).toMatchObject({ owner: `${ISSUER}|alice`, title: 't', body: 'b' });
    expect(note.createdAt).toBe(NOW.toISOString());
  });

  it("lists only the caller's own notes", () => {
    notes.create(alice, { title: 'a1', body: '' });
    notes.create(bob, { title: 'b1', body: '' });
    notes.create(alice, { title: 'a2', body: '' });
    const page = notes.listOwn(alice, {});
    expect(page.items.map((n) => n.title)).toEqual(['a1', 'a2']);
    expect(page.total).toBe(2);
  });

  it(`caps the page size at ${MAX_PAGE_SIZE}`, () => {
    for (let i = 0; i < MAX_PAGE_SIZE + 5; i++) notes.create(alice, { title: `n${i}`, body: '' });
    const page = notes.listOwn(alice, { limit: 1000 });
    expect(page.limit).toBe(MAX_PAGE_SIZE);
    expect(page.items).toHaveLength(MAX_PAGE_SIZE);
    expect(notes.listOwn(alice, { limit: 10, offset: 100 }).items).toHaveLength(5);
  });

  it('serves a note to its owner and to an admin, and 404 to anyone else', () => {
    const note = notes.create(alice, { title: 't', body: 'b' });
    expect(notes.get(alice, note.id).id).toBe(note.id);
    expect(notes.get(admin, note.id).id).toBe(note.id);
    expect(status(() => notes.get(bob, note.id))).toBe(404);
    expect(status(() => notes.get(alice, 'no-such-id'))).toBe(404);
  });

  it('lets only the owner update or delete, even an admin gets 404', () => {
    const note = notes.create(alice, { title: 't', body: 'b' });
    expect(status(() => notes.update(bob, note.id, { title: 'x' }))).toBe(404);
    expect(status(() => notes.update(admin, note.id, { title: 'x' }))).toBe(404);
    expect(status(() => notes.delete(bob, note.id))).toBe(404);
    expect(notes.update(alice, note.id, { title: 'new' })).toMatchObject({
      title: 'new',
      body: 'b',
    });
    notes.delete(alice, note.id);
    expect(status(() => notes.get(alice, note.id))).toBe(404);
  });

  it('lists every note for an admin only', () => {
    notes.create(alice, { title: 'a', body: '' });
    notes.create(bob, { title: 'b', body: '' });
    expect(notes.listAll(admin, {}).total).toBe(2);
    expect(status(() => notes.listAll(alice, {}))).toBe(403);
  });
});
