import type { Principal } from '@bulwark/core';
import { describe, expect, it } from 'vitest';
import { NotesRepository } from './notes.repository.js';
import { NotesService } from './notes.service.js';

let users = 0;
/** A fresh caller per test: the repository is shared by the file. */
const someone = (roles: string[] = []): Principal =>
  ({ id: `https://issuer.test|user-${++users}`, roles }) as unknown as Principal;

// What only the in-memory repository (create-bulwark --db none) does itself: its index of each
// owner's titles. On PostgreSQL the notes_owner_title_key constraint keeps the same rule. The
// behaviour both repositories share is tested once, in notes.service.spec.ts.
describe('NotesRepository in memory', () => {
  const notes = new NotesService(new NotesRepository(), () => new Date('2030-01-02T03:04:05Z'));

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
