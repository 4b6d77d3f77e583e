/** A request hook as Nest's adapters call it: `(request, response, done)` on both. */
export type RequestHook = (
  request: unknown,
  response: unknown,
  done: (error?: unknown) => void,
) => void;

interface HookableAdapter {
  onRequestHook?: RequestHook;
  setOnRequestHook?: (hook: RequestHook) => void;
}

const INSTALLED = Symbol.for('bulwark.errors.installedHooks');

/**
 * Appends a hook to the adapter's request hook, which both adapters run before anything else
 * (Express: the adapter's first middleware; Fastify: its first `onRequest` hook). Hooks run in
 * the order they were appended, and `name` makes a second install a no-op, so errors, http,
 * logging and metrics can each add theirs without replacing another's.
 *
 * @param unsupported builds the error thrown when the adapter has no request hook.
 * @example
 * ```ts
 * appendRequestHook(app.getHttpAdapter(), 'request-id', (req, res, done) => { ...; done(); },
 *   () => new MyError('MY_UNSUPPORTED_ADAPTER', 'use the Express or Fastify adapter'));
 * ```
 */
export function appendRequestHook(
  adapter: unknown,
  name: string,
  hook: RequestHook,
  unsupported: () => Error,
): void {
  const target = adapter as HookableAdapter & Record<symbol, Set<string> | undefined>;
  if (typeof target.setOnRequestHook !== 'function') throw unsupported();
  target[INSTALLED] ??= new Set();
  if (target[INSTALLED].has(name)) return;
  target[INSTALLED].add(name);
  const previous = target.onRequestHook;
  if (!previous) {
    target.setOnRequestHook(hook);
    return;
  }
  target.setOnRequestHook(function (this: unknown, request, response, done) {
    let advanced = false;
    const next = (error?: unknown) => {
      if (advanced) return;
      advanced = true;
      if (error) done(error);
      else hook.call(this, request, response, done);
    };
    const result = previous.call(this, request, response, next) as unknown;
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(
        () => next(),
        (error: unknown) => next(error ?? new Error('request hook failed')),
      );
    }
  });
}
