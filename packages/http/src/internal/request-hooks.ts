import { HttpError } from '../http.error.js';

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
 * Appends a hook to the adapter's request hook, which both adapters run before any
 * middleware. Hooks run in the order they were appended; `name` makes a second install a
 * no-op. Mirrors `@bulwark/errors` and `@bulwark/logging` (same registry symbol).
 */
export function appendRequestHook(adapter: unknown, name: string, hook: RequestHook): void {
  const target = adapter as HookableAdapter & Record<symbol, Set<string> | undefined>;
  if (typeof target.setOnRequestHook !== 'function') {
    throw new HttpError(
      'HTTP_UNSUPPORTED_ADAPTER',
      'the HTTP adapter has no request hook; use the Express or Fastify adapter',
    );
  }
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
