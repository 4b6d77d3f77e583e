import { Global, Module, type Provider, type Type } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { stepOf } from './internal/guard-step.js';
import { PipelineGuard } from './internal/pipeline.guard.js';
import { PipelineRegistry, type PipelineStage, type PipelineStep } from './request-pipeline.js';

/**
 * The request pipeline: one {@link PipelineRegistry} and one global guard that runs the
 * registered steps in stage order (authentication, rate limit, authorization), whatever the
 * order in which the modules that add them were imported.
 *
 * `AuthModule`, `RateLimitModule` and `AuthzModule` import it; Nest creates a static module once
 * per application, so the app gets one guard however many of them it imports. Import it yourself
 * only to add a step of your own (see {@link PipelineRegistry}).
 *
 * A guard of your own registered with `APP_GUARD` runs before or after this one by module import
 * order, as Nest orders global guards; register it as a pipeline step to give it a stage instead.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [PipelineRegistry, PipelineGuard, { provide: APP_GUARD, useExisting: PipelineGuard }],
  exports: [PipelineRegistry],
})
export class BulwarkPipelineModule {}

/**
 * The provider that adds a step to the pipeline at `stage` when the module listing it is
 * created. List the step class as a provider too, and import {@link BulwarkPipelineModule}.
 *
 * When a test replaces the class with a plain guard (`overrideGuard(Step).useValue({ canActivate })`
 * or `overrideProvider`), that guard runs at `stage` on every route, as it would have as a global
 * guard.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [BulwarkPipelineModule],
 *   providers: [ApiKeyStep, pipelineStep(ApiKeyStep, 'authentication')],
 * })
 * export class ApiKeyModule {}
 * ```
 */
export function pipelineStep<Plan>(step: Type<PipelineStep<Plan>>, stage: PipelineStage): Provider {
  return {
    provide: Symbol(`pipeline step ${step.name}`),
    useFactory: (registry: PipelineRegistry, instance: unknown) =>
      registry.add(stepOf(instance, stage, step.name)),
    inject: [PipelineRegistry, step],
  };
}
