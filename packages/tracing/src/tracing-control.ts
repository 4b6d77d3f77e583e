import { tracingState } from './internal/tracing-state.js';

/**
 * Whether the preload entry started the OpenTelemetry SDK in this process.
 *
 * @example
 * ```ts
 * if (isTracingEnabled()) logger.log('tracing on');
 * ```
 */
export function isTracingEnabled(): boolean {
  return tracingState().sdk !== undefined;
}

interface Flushable {
  forceFlush?: () => Promise<void>;
  getDelegate?: () => Flushable;
}

/**
 * Exports the spans that are still buffered, waiting at most `timeoutMs`. Resolves `true` when
 * the export finished in time, `false` otherwise (or when tracing is off). Never rejects: a
 * collector outage must not block shutdown.
 *
 * @default timeoutMs 5000
 * @example
 * ```ts
 * await flushTracing(2000);
 * ```
 */
export async function flushTracing(timeoutMs = 5000): Promise<boolean> {
  if (!isTracingEnabled()) return false;
  // Already loaded by the preload that started the SDK; not loaded at all without it.
  const { trace } = await import('@opentelemetry/api');
  const proxy = trace.getTracerProvider() as Flushable;
  const provider = proxy.getDelegate?.() ?? proxy;
  if (typeof provider.forceFlush !== 'function') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      provider.forceFlush().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
