import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { isObservable, lastValueFrom } from 'rxjs';
import { BulwarkConfigError } from '../bulwark-error.js';
import type { PipelineStage, PipelineStep } from '../request-pipeline.js';

/**
 * The step to register for what Nest injected under a step's class: the step itself, or, when a
 * test replaced the class with a plain guard (`overrideGuard(AuthGuard).useValue({ canActivate })`
 * or `overrideProvider`), that guard, run on every route at the step's stage as Nest would have
 * run it as a global guard.
 */
export function stepOf(instance: unknown, stage: PipelineStage, name: string): PipelineStep {
  const step = instance as Partial<PipelineStep>;
  if (typeof step?.planFor === 'function' && typeof step.run === 'function') {
    return step as PipelineStep;
  }
  const guard = instance as Partial<CanActivate> | undefined;
  if (typeof guard?.canActivate !== 'function') {
    throw new BulwarkConfigError(
      'pipelineStep',
      `${name} was replaced by a value that is neither a pipeline step (planFor, run) nor a guard (canActivate).`,
    );
  }
  const canActivate = guard.canActivate.bind(guard);
  return {
    stage,
    planFor: () => true,
    run: (context: ExecutionContext) => {
      const result = canActivate(context);
      return isObservable(result) ? lastValueFrom(result) : result;
    },
  };
}
