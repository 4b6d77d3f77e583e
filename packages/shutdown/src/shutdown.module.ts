import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { resolveShutdownOptions } from './internal/resolve-options.js';
import {
  RESOLVED_SHUTDOWN_OPTIONS,
  resolvedShutdownOptionsProvider,
  SHUTDOWN_ASYNC_OPTIONS_TYPE,
  SHUTDOWN_OPTIONS_TYPE,
  ShutdownConfigurableModule,
} from './shutdown.module-definition.js';
import { ShutdownService } from './shutdown.service.js';

/**
 * Graceful SIGTERM/SIGINT: readiness 503 at once, keep serving for the delay, then drain
 * keep-alive connections and in-flight requests (bounded), close the Nest application (its
 * `onModuleDestroy` / `beforeApplicationShutdown` / `onApplicationShutdown` hooks run), run the
 * `@ShutdownHook()` providers, and exit 0 (1 on timeout). A second signal exits at once.
 *
 * Hand it the app with `app.get(ShutdownService).attach(app)`. `app.enableShutdownHooks()` is
 * not needed; when present, its close is held until the drain is over, so the app shuts down once.
 *
 * @example
 * ```ts
 * @Module({ imports: [HealthModule.forRoot(), ShutdownModule.forRoot()] })
 * class AppModule {}
 *
 * const app = await NestFactory.create(AppModule);
 * app.get(ShutdownService).attach(app);
 * await app.listen(3000);
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [ShutdownService, resolvedShutdownOptionsProvider],
  exports: [ShutdownService, RESOLVED_SHUTDOWN_OPTIONS],
})
export class ShutdownModule extends ShutdownConfigurableModule {
  /**
   * Registers the shutdown with options known now; they and `SHUTDOWN_*` are validated here.
   * @default delaySeconds from SHUTDOWN_DELAY_SECONDS (5), timeoutSeconds from SHUTDOWN_TIMEOUT_SECONDS (20)
   */
  static override forRoot(options: typeof SHUTDOWN_OPTIONS_TYPE = {}): DynamicModule {
    resolveShutdownOptions(options);
    return super.forRoot(options);
  }

  /** Registers the shutdown with options from a factory or class; validated when resolved. */
  static override forRootAsync(options: typeof SHUTDOWN_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
