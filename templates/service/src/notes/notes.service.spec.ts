import { serializeWith } from '@bulwark/authz';
import { Test } from '@nestjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { NotePageView, NoteView } from './dto/note.view.js';
import { NOTES_CLOCK } from './notes.clock.js';
import { NotesRepository } from './notes.repository.js';
import { MAX_PAGE_SIZE, NotesService } from './notes.service.js';

const ALICE = 'https://issuer.test|alice';
const BOB = 'https://issuer.test|bob';
const NOW = new Date('2030-01-02T03:04:05.000Z');
const LATER = new Date('2030-01-02T04:00:00.000Z');

describe('NotesService', () => {
  let notes: NotesService;
  let now: Date;

  beforeEach(async () => {
    now = NOW;
    const moduleRef = await Test.createTestingModule({
      providers: [NotesRepository, NotesService, { provide: NOTES_CLOCK, useValue: () => now }],
    }).compile();
    notes = moduleRef.get(NotesService);
  });

  it('stores the given owner and stamps the injected clock', () => {
    const note = notes.create(ALICE, { title: 't', body: 'b' });
    expect(note).toMatchObject({ ownerId: ALICE, title: 't', body: 'b' });
    expect(note.createdAt).toBe(NOW.toISOString());
    expect(note.updatedAt).toBe(NOW.toISOString());
  });

  it('lists only the notes matching the filter, in creation order', () => {
    notes.create(ALICE, { title: 'a1', body: '' });
    notes.create(BOB, { title: 'b1', body: '' });
    notes.create(ALICE, { title: 'a2', body: '' });
    const page = notes.list({ ownerId: ALICE }, {});
    expect(page.items.map((n) => n.title)).toEqual(['a1', 'a2']);
    expect(page.total).toBe(2);
    expect(notes.list({}, {}).total).toBe(3);
  });

  it(`caps the page size at ${MAX_PAGE_SIZE} and pages with offset`, () => {
    for (let i = 0; i < MAX_PAGE_SIZE + 5; i++) notes.create(ALICE, { title: `n${i}`, body: '' });
    const page = notes.list({ ownerId: ALICE }, { limit: 1000 });
    expect(page.limit).toBe(MAX_PAGE_SIZE);
    expect(page.items).toHaveLength(MAX_PAGE_SIZE);
    const last = notes.list({ ownerId: ALICE }, { limit: 10, offset: 100 });
    expect(last.items.map((n) => n.title)).toEqual(['n100', 'n101', 'n102', 'n103', 'n104']);
  });

  it('updates only the given fields and stamps updatedAt, then deletes', () => {
    const note = notes.create(ALICE, { title: 't', body: 'b' });
    now = LATER;
    const updated = notes.update(note, { title: 'new' });
    expect(updated).toMatchObject({ title: 'new', body: 'b', ownerId: ALICE });
    expect(updated.createdAt).toBe(NOW.toISOString());
    expect(updated.updatedAt).toBe(LATER.toISOString());
    notes.delete(note);
    expect(notes.list({}, {}).total).toBe(0);
  });
});

describe('NoteView', () => {
  it('sends the declared fields only: never the owner id or an undeclared column', () => {
    const stored = {
      id: '1',
      ownerId: ALICE,
      title: 't',
      body: 'b',
      createdAt: 'c',
      updatedAt: 'u',
      internalFlag: true,
    };
    expect(serializeWith(NoteView, stored)).toEqual({
      id: '1',
      title: 't',
      body: 'b',
      createdAt: 'c',
      updatedAt: 'u',
    });
    const page = serializeWith(NotePageView, { items: [stored], limit: 20, offset: 0, total: 1 });
    expect(page).toEqual({
      items: [{ id: '1', title: 't', body: 'b', createdAt: 'c', updatedAt: 'u' }],
      limit: 20,
      offset: 0,
      total: 1,
    });
  });
});
