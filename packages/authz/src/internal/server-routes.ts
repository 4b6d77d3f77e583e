import { HTTP_METHODS } from '@bulwark/core/routes';

/** A route the HTTP server answers, as the server itself registered it. */
export interface ServerRoute {
  readonly method: string;
  readonly path: string;
}

/** A route as a controller declares it: what the guards cover. */
export interface CoveredRoute {
  readonly method: string;
  readonly path: string;
}

interface FastifyRouteOptions {
  method: string | string[];
  url: string;
}

interface FastifyLike {
  addHook(name: 'onRoute', hook: (options: FastifyRouteOptions) => void): unknown;
  addHook(name: 'onReady', hook: () => Promise<void>): unknown;
}

const WATCHED = Symbol.for('bulwark.authz.server-routes');

/**
 * Records every route added to a Fastify instance from now on, whoever adds it: Nest's router,
 * `fastify.get()`, or a plugin such as `@fastify/static` (loaded at `ready()`).
 */
export function watchFastifyRoutes(instance: unknown): ServerRoute[] | undefined {
  const fastify = instance as FastifyLike & { [WATCHED]?: ServerRoute[] };
  if (typeof fastify?.addHook !== 'function') return undefined;
  if (fastify[WATCHED]) return fastify[WATCHED];
  const routes: ServerRoute[] = [];
  fastify.addHook('onRoute', (options) => {
    for (const method of [options.method].flat()) {
      routes.push({ method: String(method).toUpperCase(), path: options.url });
    }
  });
  fastify[WATCHED] = routes;
  return routes;
}

interface ExpressLayer {
  name?: string;
  rawPath?: unknown;
  route?: { path?: unknown; methods?: Record<string, boolean> };
  handle?: { stack?: ExpressLayer[] };
}

/**
 * Every route of an Express application's router, nested routers included. `express.static()`
 * answers every path under where it is mounted, so it is reported as `GET <mount>/*`.
 */
export function expressRoutes(app: unknown): ServerRoute[] {
  const router = (app as { router?: { stack?: ExpressLayer[] } } | undefined)?.router;
  const routes: ServerRoute[] = [];
  walkExpress(router?.stack ?? [], '', routes);
  return routes;
}

function walkExpress(stack: readonly ExpressLayer[], prefix: string, routes: ServerRoute[]): void {
  for (const layer of stack) {
    const mount = describePath(layer.rawPath);
    if (layer.route) {
      const path = joinPaths(prefix, describePath(layer.route.path ?? layer.rawPath));
      for (const [method, enabled] of Object.entries(layer.route.methods ?? {})) {
        if (enabled)
          routes.push({ method: method === '_all' ? 'ALL' : method.toUpperCase(), path });
      }
    } else if (layer.name === 'serveStatic') {
      routes.push({ method: 'GET', path: joinPaths(joinPaths(prefix, mount), '/*') });
    } else if (Array.isArray(layer.handle?.stack)) {
      walkExpress(layer.handle.stack, joinPaths(prefix, mount), routes);
    }
  }
}

function describePath(path: unknown): string {
  if (typeof path === 'string') return path;
  if (Array.isArray(path)) return path.map(describePath).join('|');
  if (path instanceof RegExp) return String(path);
  return '/';
}

function joinPaths(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
}

/**
 * One spelling per route template, so that the server's and the controllers' paths compare:
 * every parameter is `:`, every wildcard (`*`, `*path`, `{*path}`) is `*`, no trailing slash.
 */
export function canonicalPath(path: string): string {
  const segments = path
    .replace(/\/{2,}/g, '/')
    .split('/')
    .map((segment) => {
      if (segment.includes('*')) return '*';
      if (segment.startsWith(':')) return ':';
      return segment;
    });
  const joined = segments.join('/').replace(/\/+$/, '');
  return joined === '' ? '/' : joined;
}

/** `'GET /docs'` → `{ method: 'GET', path: '/docs' }`; `undefined` when malformed. */
export function parseRouteSpec(spec: unknown): ServerRoute | undefined {
  if (typeof spec !== 'string') return undefined;
  const match = /^([A-Z]+) (\/\S*|\*)$/.exec(spec.trim());
  if (!match) return undefined;
  const [, method, path] = match as unknown as [string, string, string];
  if (method !== 'ALL' && !HTTP_METHODS.includes(method)) return undefined;
  return { method, path };
}

/**
 * The server routes no controller declares and the allow-list does not name.
 *
 * - `HEAD` is judged with the `GET` of the same path: Fastify adds it for every `GET`, Express
 *   answers it with the `GET` handler.
 * - `OPTIONS *` is the preflight route `@fastify/cors` adds for `app.enableCors()`; it sends no
 *   content.
 * - `ALL <global prefix>/*path`, and `ALL` at a path a controller serves, are the not-found
 *   handlers Nest's Express adapter mounts for the global prefix and its exclusions: they answer
 *   404 through Nest's exception layer.
 */
export function uncoveredRoutes(
  server: readonly ServerRoute[],
  covered: readonly CoveredRoute[],
  allowed: readonly ServerRoute[],
  globalPrefix = '',
): ServerRoute[] {
  const keys = new Set<string>();
  const coveredPaths = new Set<string>();
  for (const route of covered) coveredPaths.add(canonicalPath(route.path));
  for (const route of [...covered, ...allowed]) {
    keys.add(`${route.method} ${canonicalPath(route.path)}`);
  }
  const prefix = globalPrefix.replace(/^\/+|\/+$/g, '');
  const notFound = prefix ? canonicalPath(`/${prefix}/*`) : undefined;
  const serverGets = new Set(
    server.filter((route) => route.method === 'GET').map((route) => canonicalPath(route.path)),
  );
  const isCovered = (method: string, path: string): boolean =>
    keys.has(`${method} ${path}`) || keys.has(`ALL ${path}`);
  const result = new Map<string, ServerRoute>();
  for (const route of server) {
    const path = canonicalPath(route.path);
    if (route.method === 'OPTIONS' && route.path === '*') continue;
    if (route.method === 'ALL' && (path === notFound || coveredPaths.has(path))) continue;
    if (route.method === 'HEAD' && serverGets.has(path)) continue;
    if (isCovered(route.method, path)) continue;
    result.set(`${route.method} ${route.path}`, route);
  }
  return [...result.values()];
}
