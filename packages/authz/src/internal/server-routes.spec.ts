import { describe, expect, it } from 'vitest';
import { canonicalPath, parseRouteSpec, uncoveredRoutes } from './server-routes.js';

describe('canonicalPath', () => {
  it.each([
    ['/v1/notes/:id', '/v1/notes/:'],
    ['/v1/notes/:noteId/', '/v1/notes/:'],
    ['/files/*', '/files/*'],
    ['/files/*path', '/files/*'],
    ['/files/{*path}', '/files/*'],
    ['//double//slash', '/double/slash'],
    ['/', '/'],
    ['', '/'],
  ])('%s → %s', (path, canonical) => {
    expect(canonicalPath(path)).toBe(canonical);
  });
});

describe('parseRouteSpec', () => {
  it.each([
    ['GET /docs', { method: 'GET', path: '/docs' }],
    [' ALL /public/* ', { method: 'ALL', path: '/public/*' }],
    ['OPTIONS *', { method: 'OPTIONS', path: '*' }],
    ['get /docs', undefined],
    ['GET docs', undefined],
    ['FETCH /docs', undefined],
    ['GET /a b', undefined],
    [42, undefined],
  ])('%j → %j', (spec, route) => {
    expect(parseRouteSpec(spec)).toEqual(route);
  });
});

describe('uncoveredRoutes', () => {
  const covered = [
    { method: 'GET', path: '/v1/notes/:id' },
    { method: 'POST', path: '/v1/notes' },
    { method: 'ALL', path: '/v1/any' },
  ];

  it('matches the server and the controllers whatever the parameter names', () => {
    expect(
      uncoveredRoutes(
        [
          { method: 'GET', path: '/v1/notes/:noteId' },
          { method: 'HEAD', path: '/v1/notes/:noteId' },
          { method: 'POST', path: '/v1/notes' },
          { method: 'PATCH', path: '/v1/any' },
        ],
        covered,
        [],
      ),
    ).toEqual([]);
  });

  it('reports a route the controllers do not declare once, its HEAD judged with its GET', () => {
    expect(
      uncoveredRoutes(
        [
          { method: 'GET', path: '/docs' },
          { method: 'HEAD', path: '/docs' },
          { method: 'DELETE', path: '/v1/notes/:id' },
          { method: 'HEAD', path: '/only-head' },
        ],
        covered,
        [],
      ),
    ).toEqual([
      { method: 'GET', path: '/docs' },
      { method: 'DELETE', path: '/v1/notes/:id' },
      { method: 'HEAD', path: '/only-head' },
    ]);
  });

  it('lets through exactly the allow-listed routes, not what they would match as patterns', () => {
    expect(
      uncoveredRoutes(
        [
          { method: 'GET', path: '/public/*' },
          { method: 'GET', path: '/public/secret' },
        ],
        covered,
        [{ method: 'GET', path: '/public/*' }],
      ),
    ).toEqual([{ method: 'GET', path: '/public/secret' }]);
  });

  it("ignores the CORS preflight route and Nest's not-found handlers for the global prefix", () => {
    expect(
      uncoveredRoutes(
        [
          { method: 'OPTIONS', path: '*' },
          { method: 'ALL', path: '/api/*path' },
          { method: 'ALL', path: '/v1/notes' },
          { method: 'ALL', path: '/elsewhere/*path' },
        ],
        covered,
        [],
        'api',
      ),
    ).toEqual([{ method: 'ALL', path: '/elsewhere/*path' }]);
  });
});
