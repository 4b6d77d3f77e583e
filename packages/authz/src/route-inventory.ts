import { isRateLimitSkipped, ROUTE_METADATA } from '@bulwark/core/pipeline';
import type { VersioningOptions } from '@nestjs/common';
import { RESOLVED_AUTHZ_OPTIONS } from './authz.module-definition.js';
import type { ResolvedAuthzOptions } from './authz-options.interface.js';
import { describeBody } from './internal/body-types.js';
import { describeNames, effectiveRequirement, isPublic } from './internal/requirement.js';
import { type DiscoveredRoute, discoverRoutes, type ProviderSource } from './internal/routes.js';
import { policyName } from './policies.js';

/** One route of the inventory. */
export interface RouteInventoryEntry {
  /** HTTP method, such as `GET`. */
  method: string;
  /** Full path template, such as `/v1/notes/:id`. */
  path: string;
  /** `Controller.method`, or `(HTTP server, allow-listed)` for an `unguardedRoutes` entry. */
  handler: string;
  /** `public` (no token) or `bearer`. */
  authentication: 'public' | 'bearer';
  /** Whether the route is `@Public()` or carries a requirement; an undeclared route is denied. */
  declared: boolean;
  /** Required scopes, such as `notes:read` or `any(a, b)`; `-` for none. */
  scopes: string;
  /** Required roles; `-` for none. */
  roles: string;
  /** Required permissions; `-` for none. */
  permissions: string;
  /** The calling services allowed (`@RequirePeer`), such as `any(spiffe://…, spiffe://…)`; `-` for none. */
  peer: string;
  /**
   * Object-level `action: policy`, `authenticated` for `@Authenticated()`, `unguarded` for an
   * `unguardedRoutes` entry; `-` for none.
   */
  policy: string;
  /**
   * What the strict validation pipe holds the body to: the DTO (`CreateNote`, `CreateNote[]`),
   * `unchecked: <reason>` for an `@UncheckedBody()` opt-out, or `-` for no body.
   */
  body: string;
  /**
   * The rate-limit declaration as stored by `@bulwark/rate-limit`, `skip`, `default`, or `none`
   * for an `unguardedRoutes` entry (no guard runs on it).
   */
  rateLimit: string;
}

/** Options of {@link buildRouteInventory}. */
export interface RouteInventoryOptions {
  /**
   * The global prefix; by default the one set with `app.setGlobalPrefix()`.
   * @default the application's global prefix
   */
  prefix?: string;
  /**
   * The versioning `main.ts` enables with `app.enableVersioning()`; by default the
   * application's. Needed where the app is not created by `main.ts`, as in the CLI.
   * @default the application's versioning
   * @example
   * ```ts
   * buildRouteInventory(context, { versioning: { type: VersioningType.URI, defaultVersion: '1' } })
   * ```
   */
  versioning?: VersioningOptions;
}

/**
 * Lists every route of an application (or application context) with its method, path,
 * authentication, scopes, roles, permissions, allowed peers, policy and rate limit, sorted by path and method
 * so that a committed copy diffs cleanly in CI.
 *
 * @example
 * ```ts
 * const app = await NestFactory.create(AppModule, { logger: false });
 * console.log(formatRouteInventory(buildRouteInventory(app)));
 * ```
 */
export function buildRouteInventory(
  app: ProviderSource,
  options: RouteInventoryOptions = {},
): RouteInventoryEntry[] {
  return [
    ...discoverRoutes(app, { prefix: options.prefix, versioning: options.versioning }).map(toEntry),
    ...unguardedEntries(app),
  ].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** The `unguardedRoutes` allow-list, so that a review sees every route no guard checks. */
function unguardedEntries(app: ProviderSource): RouteInventoryEntry[] {
  let options: ResolvedAuthzOptions | undefined;
  try {
    options = app.get<ResolvedAuthzOptions>(RESOLVED_AUTHZ_OPTIONS, { strict: false });
  } catch {
    return [];
  }
  return (options?.unguardedRoutes ?? []).map((route) => ({
    method: route.method,
    path: route.path,
    handler: '(HTTP server, allow-listed)',
    authentication: 'public',
    declared: true,
    scopes: '-',
    roles: '-',
    permissions: '-',
    peer: '-',
    policy: 'unguarded',
    body: '-',
    rateLimit: 'none',
  }));
}

function toEntry(route: DiscoveredRoute): RouteInventoryEntry {
  const requirement = effectiveRequirement(route.controller, route.handler);
  const open = isPublic(route.controller, route.handler);
  const object = requirement?.object;
  return {
    method: route.method,
    path: route.path,
    handler: `${route.controller.name}.${route.handlerName}`,
    authentication: open ? 'public' : 'bearer',
    declared: open || (requirement !== undefined && Object.keys(requirement).length > 0),
    scopes: describeNames(requirement?.scopes),
    roles: describeNames(requirement?.roles),
    permissions: describeNames(requirement?.permissions),
    peer: requirement?.peer ? describeNames(requirement.peer) : '-',
    policy: object
      ? `${object.action}: ${policyName(object.policy)}`
      : requirement?.authenticated
        ? 'authenticated'
        : '-',
    body: describeBody(route.controller, route.handler, route.handlerName),
    rateLimit: describeRateLimit(route),
  };
}

// The skip rule is the one the rate-limit guard applies (isRateLimitSkipped); a route's own
// limit otherwise overrides its controller's.
function describeRateLimit(route: DiscoveredRoute): string {
  if (isRateLimitSkipped(route.handler, route.controller)) return 'skip';
  const declared =
    Reflect.getMetadata(ROUTE_METADATA.rateLimit, route.handler) ??
    Reflect.getMetadata(ROUTE_METADATA.rateLimit, route.controller);
  if (declared === undefined || declared === null) return 'default';
  return describeValue(declared);
}

/** Prints whatever the rate-limit package stored, generically: `limit=10 windowSeconds=60`. */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(describeValue).join('; ');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .filter(([, member]) => member !== undefined && typeof member !== 'function')
      .map(
        ([key, member]) =>
          `${key}=${typeof member === 'object' ? JSON.stringify(member) : String(member)}`,
      )
      .join(' ');
  }
  return String(value);
}

const COLUMNS = [
  ['METHOD', 'method'],
  ['PATH', 'path'],
  ['AUTH', 'authentication'],
  ['SCOPES', 'scopes'],
  ['ROLES', 'roles'],
  ['PERMISSIONS', 'permissions'],
  ['PEER', 'peer'],
  ['POLICY', 'policy'],
  ['BODY', 'body'],
  ['RATE LIMIT', 'rateLimit'],
] as const;

/**
 * Formats the inventory as a plain-text table. Undeclared routes (denied at run time) are
 * flagged with `!` in front of the method.
 *
 * @example
 * ```ts
 * process.stdout.write(formatRouteInventory(buildRouteInventory(app)));
 * ```
 */
export function formatRouteInventory(entries: readonly RouteInventoryEntry[]): string {
  const rows = entries.map((entry) =>
    COLUMNS.map(([, key], index) =>
      index === 0 && !entry.declared ? `!${entry[key]}` : String(entry[key]),
    ),
  );
  const header = COLUMNS.map(([title]) => title);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/**
 * Formats the inventory as stable, indented JSON.
 *
 * @example
 * ```ts
 * await writeFile('routes.json', formatRouteInventoryJson(buildRouteInventory(app)));
 * ```
 */
export function formatRouteInventoryJson(entries: readonly RouteInventoryEntry[]): string {
  return `${JSON.stringify(entries, null, 2)}\n`;
}
