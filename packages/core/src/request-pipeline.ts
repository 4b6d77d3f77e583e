import {
  type ExecutionContext,
  Injectable,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { BulwarkConfigError } from './bulwark-error.js';

/**
 * The guard stages of the request pipeline, in the order they run on every route, whatever the
 * order in which their modules were imported (DESIGN.md, "Request path, in order"):
 *
 * 1. `authentication`: who the caller is (`@bulwark/auth`);
 * 2. `rate-limit`: keyed by the principal authentication found (`@bulwark/rate-limit`);
 * 3. `authorization`: function-level, then object-level (`@bulwark/authz`).
 *
 * Request id, security headers and peer identity run before, as request hooks; validation,
 * the handler and serialization after, as Nest pipes and interceptors.
 */
export const PIPELINE_STAGES = ['authentication', 'rate-limit', 'authorization'] as const;

/** One of the {@link PIPELINE_STAGES}. */
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** A route as the pipeline plans it: its controller class and its handler method. */
export interface RouteTarget {
  // biome-ignore lint/complexity/noBannedTypes: Nest hands controllers and handlers as Function.
  readonly controller: Function;
  // biome-ignore lint/complexity/noBannedTypes: as above.
  readonly handler: Function;
}

/**
 * One step of the request pipeline, registered on the {@link PipelineRegistry} by the module that
 * owns it. The step decides at start-up what it does on each route (`planFor`, which may read
 * route metadata), and per request only runs that plan (`run`, which must not).
 *
 * @example
 * ```ts
 * @Injectable()
 * class ApiKeyStep implements PipelineStep<true> {
 *   readonly stage = 'authentication';
 *   planFor(route: RouteTarget): true | undefined {
 *     return Reflect.getMetadata(ROUTE_METADATA.public, route.handler) === true ? undefined : true;
 *   }
 *   run(context: ExecutionContext): boolean {
 *     return checkApiKey(context.switchToHttp().getRequest());
 *   }
 * }
 * ```
 */
export interface PipelineStep<Plan = unknown> {
  /** Where the step runs. Steps of one stage run in the order they were registered. */
  readonly stage: PipelineStage;
  /**
   * What the step does on a route, computed once per route (at start-up for every controller
   * route, or on the first request of a route added later). `undefined`: the step has nothing to
   * do on that route, and is left out of its pipeline.
   */
  planFor(route: RouteTarget): Plan | undefined;
  /**
   * Runs the step on a request with the route's plan: `true` lets the request go on, `false` is
   * Nest's 403, a thrown exception is answered by the exception filters. A promise only when the
   * step has to wait.
   */
  run(context: ExecutionContext, plan: Plan): boolean | Promise<boolean>;
}

type Entry<Plan> = {
  // biome-ignore lint/complexity/noBannedTypes: Nest hands controllers as Function.
  readonly controller: Function;
  readonly plan: Plan;
  /** The same handler on another controller (a method inherited by several controllers). */
  readonly next: Entry<Plan> | undefined;
};

/**
 * Per-route values computed once and found by handler: one `Map` lookup per request, no route
 * metadata read. A handler first seen on a request (a route added after start-up) is computed
 * then and kept. A method inherited by several controllers gets one value per controller, since
 * a controller's own decorators can differ.
 *
 * @example
 * ```ts
 * const plans = new RoutePlans(({ controller, handler }) => describe(controller, handler));
 * const plan = plans.get(context.getClass(), context.getHandler());
 * ```
 */
export class RoutePlans<Plan> {
  // biome-ignore lint/complexity/noBannedTypes: Nest hands handlers as Function.
  private readonly byHandler = new Map<Function, Entry<Plan>>();

  /** @param compute builds a route's value; called once per route. */
  constructor(private readonly compute: (route: RouteTarget) => Plan) {}

  /** The value of the route, computed now if it is the route's first. */
  // biome-ignore lint/complexity/noBannedTypes: Nest hands controllers and handlers as Function.
  get(controller: Function, handler: Function): Plan {
    const first = this.byHandler.get(handler);
    for (let entry = first; entry !== undefined; entry = entry.next) {
      if (entry.controller === controller) return entry.plan;
    }
    const plan = this.compute({ controller, handler });
    this.byHandler.set(handler, { controller, plan, next: first });
    return plan;
  }

  /** Forgets every value, so each route is computed again. */
  clear(): void {
    this.byHandler.clear();
  }
}

/** The pipeline of one route: its steps in stage order, each with its plan for the route. */
export interface RoutePipeline {
  readonly steps: readonly PipelineStep[];
  readonly plans: readonly unknown[];
}

const STAGE_RANK: Readonly<Record<PipelineStage, number>> = Object.fromEntries(
  PIPELINE_STAGES.map((stage, rank) => [stage, rank]),
) as Record<PipelineStage, number>;

/**
 * The steps of the request pipeline. `@bulwark/auth`, `@bulwark/rate-limit` and `@bulwark/authz`
 * each add theirs when their module is created; the one global guard of
 * {@link BulwarkPipelineModule} runs them in stage order ({@link PIPELINE_STAGES}), so the order
 * of the modules' imports does not matter.
 *
 * At start-up every controller route gets its pipeline: the steps with something to do on it,
 * each with its plan. A request then looks its route's pipeline up by handler and runs it, with
 * no route metadata read.
 *
 * @example
 * ```ts
 * // Through the provider pipelineStep() builds:
 * @Module({
 *   imports: [BulwarkPipelineModule],
 *   providers: [ApiKeyStep, pipelineStep(ApiKeyStep, 'authentication')],
 * })
 * export class ApiKeyModule {}
 * ```
 */
@Injectable()
export class PipelineRegistry implements OnApplicationBootstrap {
  private registered: readonly PipelineStep[] = [];
  private readonly routes = new RoutePlans<RoutePipeline>((route) => this.compile(route));

  constructor(
    @Optional() private readonly discovery?: DiscoveryService,
    @Optional() private readonly scanner?: MetadataScanner,
  ) {}

  /**
   * Adds a step; adding the same step again does nothing. Steps of one stage keep the order in
   * which they were added.
   *
   * @throws BulwarkConfigError when the step names no known stage.
   */
  add<Plan>(step: PipelineStep<Plan>): void {
    if (this.registered.includes(step as PipelineStep)) return;
    if (!Object.hasOwn(STAGE_RANK, step.stage)) {
      throw new BulwarkConfigError(
        'stage',
        `"${String(step.stage)}" is not a pipeline stage; use one of ${PIPELINE_STAGES.join(', ')}.`,
      );
    }
    // Array#sort is stable: steps of one stage stay in the order they were added.
    this.registered = [...this.registered, step as PipelineStep].sort(
      (a, b) => STAGE_RANK[a.stage] - STAGE_RANK[b.stage],
    );
    this.routes.clear();
  }

  /** Every registered step, in the order they run. */
  get steps(): readonly PipelineStep[] {
    return this.registered;
  }

  /** The pipeline of a route: planned at start-up, or now for a route added later. */
  // biome-ignore lint/complexity/noBannedTypes: Nest hands controllers and handlers as Function.
  pipelineOf(controller: Function, handler: Function): RoutePipeline {
    return this.routes.get(controller, handler);
  }

  /** Plans every controller route now, so a request only looks its pipeline up. */
  onApplicationBootstrap(): void {
    if (!this.discovery || !this.scanner) return;
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      const prototype = controller?.prototype as Record<string, unknown> | undefined;
      if (!controller || !prototype) continue;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler === 'function') this.pipelineOf(controller, handler);
      }
    }
  }

  private compile(route: RouteTarget): RoutePipeline {
    const steps: PipelineStep[] = [];
    const plans: unknown[] = [];
    for (const step of this.registered) {
      const plan = step.planFor(route);
      if (plan === undefined) continue;
      steps.push(step);
      plans.push(plan);
    }
    return { steps, plans };
  }
}
