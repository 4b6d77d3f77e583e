import type { ServerResponse } from 'node:http';
import { rawResponse } from './request-context.js';

/** A request hook as Nest's adapters call it: `(request, response, done)` on both. */
export type RequestHook = (
  request: unknown,
  response: unknown,
  done: (error?: unknown) => void,
) => void;

/**
 * The stages of the request hooks, in the order they run on every request, whatever order the
 * modules installed them in:
 *
 * 1. `request-id`: the request's id (`@bulwark/errors`), so everything after it can name it;
 * 2. `security-headers`: the API security headers (`@bulwark/http`), so every answer carries
 *    them, the refusals of the stages below included;
 * 3. `route-template`: the matched route's template (Fastify; Express routes later);
 * 4. `observe`: the access log's and other observers' start, before any stage can refuse, so
 *    refused requests are logged too;
 * 5. `peer-identity`: the verified client certificate or trusted proxy header
 *    (`@bulwark/http`), which may refuse the request;
 * 6. `custom`: hooks added with {@link appendRequestHook}, in the order they were added.
 */
export const REQUEST_STAGES = Object.freeze([
  'request-id',
  'security-headers',
  'route-template',
  'observe',
  'peer-identity',
  'custom',
] as const);

/** One of {@link REQUEST_STAGES}. */
export type RequestStage = (typeof REQUEST_STAGES)[number];

/**
 * A step of the request hooks, registered once at start-up with {@link addRequestStep}.
 *
 * @example
 * ```ts
 * const step: RequestStep = {
 *   name: 'request-id',
 *   stage: 'request-id',
 *   onRequest: (request, response) => {
 *     assignRequestId(request, response);
 *   },
 * };
 * ```
 */
export interface RequestStep {
  /** Names the step: a second registration under the same name is a no-op. */
  readonly name: string;
  /** Where the step runs; steps of one stage run in the order they were registered. */
  readonly stage: RequestStage;
  /**
   * Runs synchronously on every request, with the adapter's request and response (Fastify's
   * request and reply, or Express's). Returns `false` when it answered the request itself: the
   * steps after it and the route then do not run. A thrown error goes to the adapter's error
   * handling (the global exception filters).
   */
  readonly onRequest?: (request: unknown, response: unknown) => boolean | undefined;
  /**
   * Runs once when the response closes, finished or abandoned by the client, with Node's
   * `ServerResponse` (its request is `response.req`). One `close` listener, shared by every
   * request, runs the steps' `onClose` in stage order: no closure is made per request.
   */
  readonly onClose?: (response: ServerResponse) => void;
}

interface HookableAdapter {
  onRequestHook?: RequestHook;
  setOnRequestHook?: (hook: RequestHook) => void;
}

/** A registered step; `callback` is a hook in Nest's `(request, response, done)` style. */
interface Entry {
  readonly rank: number;
  readonly onRequest: RequestStep['onRequest'];
  readonly callback: RequestHook | undefined;
}

interface Closer {
  readonly rank: number;
  readonly onClose: (response: ServerResponse) => void;
}

interface Pipeline {
  readonly names: Set<string>;
  /** In stage order; replaced, never mutated, so a request in flight keeps its own list. */
  entries: readonly Entry[];
  /** The steps' `onClose`, in stage order; replaced, never mutated. */
  closers: readonly Closer[];
  /** The hook installed on the adapter; anything else there was set by someone else. */
  readonly hook: RequestHook;
  /** The one `close` listener of every response; Node calls it with the response as `this`. */
  readonly onClose: (this: ServerResponse) => void;
}

const PIPELINE = Symbol.for('bulwark.core.requestPipeline');

/** A hook someone set on the adapter before the pipeline: it keeps running first. */
const ADOPTED_RANK = -1;

function rankOf(stage: RequestStage): number {
  const rank = REQUEST_STAGES.indexOf(stage);
  if (rank === -1) {
    throw new TypeError(
      `unknown request stage "${stage}": use one of ${REQUEST_STAGES.join(', ')}`,
    );
  }
  return rank;
}

/**
 * Runs the entries from `from` on, then `done`; allocates only around a callback-style hook. A
 * step or hook that throws ends the run with `done(error)`: after a hook that called `done` later
 * (a timer, a promise), a throw would otherwise escape into that timer or promise, crash the
 * process or leave the request without an answer.
 */
function run(
  entries: readonly Entry[],
  from: number,
  self: unknown,
  request: unknown,
  response: unknown,
  done: (error?: unknown) => void,
): void {
  for (let index = from; index < entries.length; index++) {
    const entry = entries[index] as Entry;
    if (entry.callback === undefined) {
      let answered: boolean | undefined;
      try {
        answered = (entry.onRequest as NonNullable<RequestStep['onRequest']>)(request, response);
      } catch (error) {
        done(error ?? new Error('request step failed'));
        return;
      }
      if (answered === false) return;
      continue;
    }
    let advanced = false;
    const next = (error?: unknown) => {
      if (advanced) return;
      advanced = true;
      if (error) done(error);
      else run(entries, index + 1, self, request, response, done);
    };
    let result: unknown;
    try {
      result = entry.callback.call(self, request, response, next) as unknown;
    } catch (error) {
      next(error ?? new Error('request hook failed'));
      return;
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(
        () => next(),
        (error: unknown) => next(error ?? new Error('request hook failed')),
      );
    }
    return;
  }
  done();
}

function pipelineOf(adapter: unknown, unsupported: () => Error): Pipeline {
  const target = adapter as HookableAdapter & Record<symbol, Pipeline | undefined>;
  if (typeof target.setOnRequestHook !== 'function') throw unsupported();
  let pipeline = target[PIPELINE];
  if (pipeline === undefined) {
    const created: Pipeline = {
      names: new Set(),
      entries: [],
      closers: [],
      hook(this: unknown, request, response, done) {
        if (created.closers.length > 0) rawResponse(response).on('close', created.onClose);
        run(created.entries, 0, this, request, response, done);
      },
      onClose(this: ServerResponse) {
        const closers = created.closers;
        for (let index = 0; index < closers.length; index++) {
          (closers[index] as Closer).onClose(this);
        }
      },
    };
    pipeline = created;
    target[PIPELINE] = pipeline;
  }
  const current = target.onRequestHook;
  if (current !== pipeline.hook) {
    // Set directly on the adapter before (or instead of) the pipeline: kept, ahead of it.
    if (current !== undefined) {
      pipeline.entries = inserted(pipeline.entries, {
        rank: ADOPTED_RANK,
        onRequest: undefined,
        callback: current,
      });
    }
    target.setOnRequestHook(pipeline.hook);
  }
  return pipeline;
}

/** A copy with `entry` after every entry of the same or an earlier stage: stable within a stage. */
function inserted<T extends { readonly rank: number }>(list: readonly T[], entry: T): T[] {
  const copy = [...list];
  let index = copy.length;
  while (index > 0 && (copy[index - 1] as T).rank > entry.rank) index--;
  copy.splice(index, 0, entry);
  return copy;
}

/**
 * Registers a step of the adapter's request hooks, which both adapters run before anything else
 * (Express: the adapter's first middleware; Fastify: its first `onRequest` hook). One hook is
 * installed on the adapter, once; it runs the registered steps in the order of
 * {@link REQUEST_STAGES}, so the order never depends on which module installed its step first.
 * `name` makes a second registration a no-op.
 *
 * @param unsupported builds the error thrown when the adapter has no request hook.
 * @throws what `unsupported` builds, on an adapter without a request hook; `TypeError` for an
 *   unknown stage.
 * @example
 * ```ts
 * addRequestStep(
 *   app.getHttpAdapter(),
 *   { name: 'request-id', stage: 'request-id', onRequest: (req, res) => { assignRequestId(req, res); } },
 *   () => new MyError('MY_UNSUPPORTED_ADAPTER', 'use the Express or Fastify adapter'),
 * );
 * ```
 */
export function addRequestStep(
  adapter: unknown,
  step: RequestStep,
  unsupported: () => Error,
): void {
  const rank = rankOf(step.stage);
  const pipeline = pipelineOf(adapter, unsupported);
  if (pipeline.names.has(step.name)) return;
  pipeline.names.add(step.name);
  if (step.onRequest !== undefined) {
    pipeline.entries = inserted(pipeline.entries, {
      rank,
      onRequest: step.onRequest,
      callback: undefined,
    });
  }
  if (step.onClose !== undefined) {
    pipeline.closers = inserted(pipeline.closers, { rank, onClose: step.onClose });
  }
}

/**
 * Appends a hook in Nest's `(request, response, done)` style to the adapter's request hooks, in
 * the `custom` stage (after every Bulwark step, see {@link REQUEST_STAGES}); hooks appended this
 * way run in the order they were appended, and `name` makes a second install a no-op. A hook may
 * call `done` later or return a promise. Prefer {@link addRequestStep} for a synchronous step.
 *
 * @param unsupported builds the error thrown when the adapter has no request hook.
 * @example
 * ```ts
 * appendRequestHook(app.getHttpAdapter(), 'tenant', (req, res, done) => { ...; done(); },
 *   () => new MyError('MY_UNSUPPORTED_ADAPTER', 'use the Express or Fastify adapter'));
 * ```
 */
export function appendRequestHook(
  adapter: unknown,
  name: string,
  hook: RequestHook,
  unsupported: () => Error,
): void {
  const pipeline = pipelineOf(adapter, unsupported);
  if (pipeline.names.has(name)) return;
  pipeline.names.add(name);
  pipeline.entries = inserted(pipeline.entries, {
    rank: rankOf('custom'),
    onRequest: undefined,
    callback: hook,
  });
}
