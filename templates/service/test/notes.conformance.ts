import type { ConformanceHints } from '@bulwark/testing';

/**
 * Where `runConformance` finds the notes resource: the route that needs a token, the owned note
 * that another user must not read, change or delete (BOLA), and the admin route an ordinary user
 * must not call (BFLA). Each test adds its own `rateLimit` hint, which depends on its limits.
 */
export const NOTES_HINTS = {
  protectedRoute: { path: '/v1/notes', claims: { scope: 'notes:read' } },
  resource: {
    create: { path: '/v1/notes', body: { title: 'mine', body: 'secret plans' } },
    path: '/v1/notes/:id',
    owner: { sub: 'alice', scope: 'notes:read notes:write' },
    intruder: { sub: 'mallory', scope: 'notes:read notes:write' },
    update: { title: 'stolen' },
  },
  admin: { path: '/v1/admin/notes', user: { scope: 'notes:read' }, admin: { roles: ['admin'] } },
} as const satisfies Partial<ConformanceHints>;
