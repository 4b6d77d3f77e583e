import { serializeWith } from '@bulwark/authz/serialize';
import type { Principal } from '@bulwark/core';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataModule } from '../database/database.module.js';
import { NotePageView, NoteView } from './dto/note.view.js';
import { NOTES_CLOCK } from './notes.clock.js';
import { NotesRepository } from './notes.repository.js';
import { MAX_PAGE_SIZE, NotesService } from './notes.service.js';

const NOW = new Date('2030-01-02T03:04:05.000Z');
const LATER = new Date('2030-01-02T04:00:00.000Z');
let users = 0;
/** A fresh caller per test: the stored notes are shared by the file. */
const someone = (roles: string[] = []): Principal =>
  ({ id: `https://issuer.test|user-${++users}`, roles }) as unknown as Principal;

// The service and repository on the real query path: embedded PGlite in memory (NODE_ENV=test),
// with migrations/ applied as it opens.
describe('NotesService on PGlite', () => {
  let notes: NotesService;
  let close: () => Promise<void>;
  let now: Date;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DataModule],
      providers: [NotesRepository, NotesService, { provide: NOTES_CLOCK, useValue: () => now }],
    }).compile();
    await moduleRef.init();
    notes = moduleRef.get(NotesService);
    close = () => moduleRef.close();
  });
  afterAll(() => close?.());
  beforeEach(() => {
    now = NOW;
  });

  it('stores the caller as owner and stamps the injected clock', async () => {
    const alice = someone();
    const note = await notes.create(alice, { title: 't', body: 'b' });
    expect(note).toMatchObject({ ownerId: alice.id, title: 't', body: 'b' });
    expect(note.createdAt).toBe(NOW.toISOString());
    expect(note.updatedAt).toBe(NOW.toISOString());
  });

  it("lists only the caller's notes in creation order; the admin read sees every owner's", async () => {
    const [alice, bob] = [someone(), someone()];
    await notes.create(alice, { title: 'a1', body: '' });
    await notes.create(bob, { title: 'b1', body: '' });
    await notes.create(alice, { title: 'a2', body: '' });
    const page = await notes.list(alice, {});
    expect(page.items.map((n) => n.title)).toEqual(['a1', 'a2']);
    expect(page.next).toBeNull();
    const admin = someone(['admin']);
    const all = await notes.list(admin, { limit: 100 }, { bypassRoles: ['admin'] });
    expect(all.items.map((n) => n.title)).toEqual(expect.arrayContaining(['a1', 'a2', 'b1']));
    expect((await notes.list(admin, {})).items).toEqual([]);
  });

  it(`caps the page size at ${MAX_PAGE_SIZE} and pages with the next cursor`, async () => {
    const carol = someone();
    for (let i = 0; i < MAX_PAGE_SIZE + 5; i++) {
      await notes.create(carol, { title: `n${String(i).padStart(3, '0')}`, body: '' });
    }
    const first = await notes.list(carol, { limit: 1000 });
    expect(first.limit).toBe(MAX_PAGE_SIZE);
    expect(first.items).toHaveLength(MAX_PAGE_SIZE);
    expect(first.next).toBe(first.items.at(-1)?.id);
    const rest = await notes.list(carol, { limit: 10, after: first.next ?? '' });
    expect(rest.items.map((n) => n.title)).toEqual(['n100', 'n101', 'n102', 'n103', 'n104']);
    expect(rest.next).toBeNull();
  });

  it("updates only the given fields and stamps updatedAt, never another owner's note", async () => {
    const [dave, eve] = [someone(), someone()];
    const note = await notes.create(dave, { title: 't', body: 'b' });
    now = LATER;
    expect(await notes.update(eve, note, { title: 'stolen' })).toEqual(note);
    await notes.delete(eve, note);
    const updated = await notes.update(dave, note, { title: 'new' });
    expect(updated).toMatchObject({ title: 'new', body: 'b', ownerId: dave.id });
    expect(updated.createdAt).toBe(NOW.toISOString());
    expect(updated.updatedAt).toBe(LATER.toISOString());
    await notes.delete(dave, note);
    expect((await notes.list(dave, {})).items).toEqual([]);
  });
});

describe('NoteView', () => {
  it('sends the declared fields only: never the owner id or an undeclared column', () => {
    const stored = {
      id: '1',
      ownerId: 'https://issuer.test|alice',
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
    const page = serializeWith(NotePageView, { items: [stored], limit: 20, next: null });
    expect(page).toEqual({
      items: [{ id: '1', title: 't', body: 'b', createdAt: 'c', updatedAt: 'u' }],
      limit: 20,
      next: null,
    });
  });
});
