import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { PipelineRegistry, type RoutePipeline } from '../request-pipeline.js';

/**
 * The one global guard of the request pipeline: finds the route's pipeline by handler and runs
 * its steps in stage order. A step that answers synchronously costs no promise; the first one
 * that waits makes the rest run after it.
 */
@Injectable()
export class PipelineGuard implements CanActivate {
  constructor(private readonly registry: PipelineRegistry) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return runFrom(this.registry.pipelineOf(context.getClass(), context.getHandler()), 0, context);
  }
}

function runFrom(
  pipeline: RoutePipeline,
  from: number,
  context: ExecutionContext,
): boolean | Promise<boolean> {
  const { steps, plans } = pipeline;
  for (let index = from; index < steps.length; index += 1) {
    const result = (steps[index] as RoutePipeline['steps'][number]).run(context, plans[index]);
    if (result === true) continue;
    if (result === false) return false;
    return result.then((allowed) => allowed && runFrom(pipeline, index + 1, context));
  }
  return true;
}
