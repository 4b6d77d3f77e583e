import { type ShutdownHandler, ShutdownHook } from '@bulwark/core/lifecycle';
import { recordRouteTemplates } from '@bulwark/core/routes';
import {
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { observeNestExceptions } from './internal/exception-observer.js';
import { tracingState } from './internal/tracing-state.js';
import { InjectTracingOptions } from './tracing.module-definition.js';
import { flushTracing, isTracingEnabled } from './tracing-control.js';
import type { ResolvedTracingOptions } from './tracing-options.interface.js';

/**
 * Connects the running application to the SDK the preload started: route templates on
 * Fastify, exceptions behind 5xx responses, the principal setting, and the span flush at
 * shutdown. Does nothing when the preload did not start the SDK.
 *
 * The flush runs as a `@bulwark/shutdown` hook (ordered last, after the hooks that may still
 * produce spans) and on Nest's `app.close()`.
 */
@ShutdownHook('telemetry', { order: 10 })
@Injectable()
export class TracingLifecycle implements OnModuleInit, OnApplicationShutdown, ShutdownHandler {
  private readonly logger = new Logger('BulwarkTracing');

  constructor(
    /** The validated options, with defaults applied. */
    @InjectTracingOptions() readonly options: ResolvedTracingOptions,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    if (!isTracingEnabled()) return;
    tracingState().recordPrincipal = this.options.recordPrincipal;
    recordRouteTemplates(this.adapterHost?.httpAdapter);
    if (!observeNestExceptions()) {
      this.logger.warn(
        'cannot observe NestJS exceptions in this version: 5xx spans will not record the exception. Add app.useGlobalInterceptors(new TracingInterceptor()).',
      );
    }
  }

  /** Flushes pending spans after the drain; called by `@bulwark/shutdown`. */
  onShutdown(): Promise<void> {
    return this.onApplicationShutdown();
  }

  // Runs after Nest closed the HTTP listener, so the spans of drained requests have ended.
  async onApplicationShutdown(): Promise<void> {
    if (!isTracingEnabled()) return;
    const flushed = await flushTracing(this.options.flushTimeoutMs);
    if (!flushed) {
      this.logger.warn(`pending spans were not exported within ${this.options.flushTimeoutMs} ms`);
    }
  }
}
