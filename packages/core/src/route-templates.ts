import { setRouteTemplate } from './request-context.js';
import { addRequestStep } from './request-hooks.js';

/** The part of Nest's HTTP adapter {@link recordRouteTemplates} uses. */
export interface AdapterLike {
  getType(): string;
  getInstance(): unknown;
}

interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (request: { routeOptions?: { url?: string } }, reply: unknown, done: () => void) => void,
  ): unknown;
}

/** Fastify's (private) symbol for a request's route context, found on the first request. */
let routeContext: symbol | null | undefined;

/**
 * The matched route's URL. Fastify's `request.routeOptions` getter builds a fresh object of a
 * dozen fields on every read, for the one field needed here; its `url` is the route context's
 * `config.url`, read directly when that context can be found, else through the getter.
 */
function routeUrl(request: { routeOptions?: { url?: string } }): string | undefined {
  if (routeContext === undefined) {
    routeContext =
      Object.getOwnPropertySymbols(request).find(
        (symbol) => symbol.description === 'fastify.context',
      ) ?? null;
  }
  if (routeContext !== null) {
    const url = (request as unknown as Record<symbol, { config?: { url?: unknown } } | undefined>)[
      routeContext
    ]?.config?.url;
    if (typeof url === 'string') return url;
  }
  return request.routeOptions?.url;
}

// One Fastify instance gets one hook, whichever package (metrics, tracing) installs it first.
const HOOKED = Symbol.for('bulwark.route-template-hook');

function storeTemplate(request: unknown): undefined {
  const template = routeUrl(request as { routeOptions?: { url?: string } });
  if (template) setRouteTemplate(request, template);
  return undefined;
}

/**
 * Stores the matched route template on the raw request as soon as Fastify has routed it, before
 * any guard runs, so that requests refused by a guard are still labelled by template: a step of
 * the request hooks in the `route-template` stage (see `addRequestStep`). On Express the router
 * leaves `req.route` on the raw request, which `resolveRouteTemplate` reads.
 *
 * @example
 * ```ts
 * recordRouteTemplates(app.getHttpAdapter());
 * ```
 */
export function recordRouteTemplates(adapter: AdapterLike | undefined): void {
  if (adapter?.getType() !== 'fastify') return;
  if (typeof (adapter as { setOnRequestHook?: unknown }).setOnRequestHook === 'function') {
    addRequestStep(
      adapter,
      { name: 'route-template', stage: 'route-template', onRequest: storeTemplate },
      () => new TypeError('the Fastify adapter has no request hook'),
    );
    return;
  }
  const instance = adapter.getInstance() as FastifyLike & Record<symbol, boolean>;
  if (instance[HOOKED]) return;
  instance.addHook('onRequest', (request, _reply, done) => {
    storeTemplate(request);
    done();
  });
  instance[HOOKED] = true;
}
