import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';

/** Settings every bench app reads from its environment (set by run.mjs). */
export const settings = {
  adapter: process.env.BENCH_ADAPTER === 'express' ? ('express' as const) : ('fastify' as const),
  issuer: process.env.BENCH_ISSUER ?? '',
  audience: process.env.BENCH_AUDIENCE ?? '',
  jwks: process.env.BENCH_JWKS ?? '{"keys":[]}',
  pem: process.env.BENCH_PEM ?? '',
};

/**
 * Listens on loopback, on `BENCH_PORT` (a free port when unset), and tells run.mjs on stdout:
 * `{"listening":<port>}`.
 */
export async function listen(app: INestApplication): Promise<void> {
  await app.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`${JSON.stringify({ listening: port })}\n`);
  // A normal exit, so that --cpu-prof writes its profile.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.close().finally(() => process.exit(0));
    });
  }
}

/** A note as the generated service's example stores it. */
export interface Note {
  id: string;
  ownerId: string;
  title: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** What a client sees of a note: the generated service's `NoteView` (no `ownerId`). */
export function noteView(note: Note) {
  const { id, title, body, createdAt, updatedAt } = note;
  return { id, title, body, createdAt, updatedAt };
}

/**
 * The notes of the bare and the peer app, in memory like the generated service's example, with
 * the same page shape (`limit` 20 by default, at most 100).
 */
export class NoteStore {
  private readonly notes = new Map<string, Note>();

  insert(ownerId: string, title: string, body: string): Note {
    const at = new Date().toISOString();
    const note = { id: randomUUID(), ownerId, title, body, createdAt: at, updatedAt: at };
    this.notes.set(note.id, note);
    return note;
  }

  get(id: string): Note | undefined {
    return this.notes.get(id);
  }

  page(ownerId: string | undefined, limit = 20, offset = 0) {
    const all = [...this.notes.values()].filter(
      (n) => ownerId === undefined || n.ownerId === ownerId,
    );
    const size = Math.min(Math.max(limit, 1), 100);
    return {
      items: all.slice(offset, offset + size).map(noteView),
      limit: size,
      offset,
      total: all.length,
    };
  }
}
