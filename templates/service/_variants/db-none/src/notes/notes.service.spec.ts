import { serializeWith } from '@bulwark/authz';
import type { Principal } from '@bulwark/core';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { NotePageView, NoteView } from './dto/note.view.js';
import { isNoteId, newNoteId } from './note-id.js';
import { NOTES_CLOCK } from './notes.clock.js';
import { NotesRepository } from './notes.repository.js';
import { MAX_PAGE_SIZE, NotesService } from './notes.service.js';

const NOW = new Date('2030-01-02T03:04:05.000Z');
const LATER = new Date('2030-01-02T04:00:00.000Z');
let users = 0;
/** A fresh caller per test: the repository is shared by the file. */
const someone = (roles: string[] = []): Principal =>
  ({ id: `https://issuer.test|user-${++users}`, roles }) as unknown as Principal;

// The service and repository together, on the in-memory repository (create-bulwark --db none).
describe('NotesService', () => {
  let notes: NotesService;
  let close: () => Promise<void>;
  let now: Date;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
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

  it('keeps a title unique per owner across renames and deletes', async () => {
    const [frank, grace] = [someone(), someone()];
    const first = await notes.create(frank, { title: 'plan', body: '' });
    await expect(notes.create(frank, { title: 'plan', body: '' })).rejects.toMatchObject({
      status: 409,
    });
    // Another owner's titles are their own.
    await expect(notes.create(grace, { title: 'plan', body: '' })).resolves.toMatchObject({
      title: 'plan',
    });
    const second = await notes.create(frank, { title: 'draft', body: '' });
    await expect(notes.update(frank, second, { title: 'plan' })).rejects.toMatchObject({
      status: 409,
    });
    // A rename frees the old title and takes the new one; a delete frees its title.
    await notes.update(frank, first, { title: 'final' });
    await expect(notes.create(frank, { title: 'final', body: '' })).rejects.toMatchObject({
      status: 409,
    });
    await expect(notes.update(frank, second, { title: 'plan' })).resolves.toMatchObject({
      title: 'plan',
    });
    await notes.delete(frank, second);
    await expect(notes.create(frank, { title: 'plan', body: '' })).resolves.toMatchObject({
      title: 'plan',
    });
    const titles = (await notes.list(frank, {})).items.map((note) => note.title);
    expect(titles).toEqual(['final', 'plan']);
  });
});

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
