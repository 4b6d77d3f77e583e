import 'reflect-metadata';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Injectable,
  Module,
  SetMetadata,
  type Type,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { BulwarkConfigError } from './bulwark-error.js';
import {
  PipelineRegistry,
  type PipelineStage,
  type PipelineStep,
  RoutePlans,
  type RouteTarget,
} from './request-pipeline.js';
import { BulwarkPipelineModule, pipelineStep } from './request-pipeline.module.js';

const OPEN = 'test:open';
const DENY = 'test:deny';

/** What every step saw, in order: `<stage>:<handler>` per request, `plan:<stage>:<handler>` per plan. */
let trail: string[] = [];

function stepFor(stage: PipelineStage, options: { async?: boolean } = {}) {
  @Injectable()
  class Step implements PipelineStep<string> {
    readonly stage = stage;
    planFor(route: RouteTarget): string | undefined {
      trail.push(`plan:${stage}:${route.handler.name}`);
      if (Reflect.getMetadata(OPEN, route.handler) === true) return undefined;
      return `${stage}:${route.handler.name}`;
    }
    run(_context: ExecutionContext, plan: string): boolean | Promise<boolean> {
      trail.push(plan);
      const verdict = !(stage === 'rate-limit' && plan.endsWith(':denied'));
      return options.async ? Promise.resolve(verdict) : verdict;
    }
  }
  return Step;
}

/** A module that adds its step to the pipeline, as auth, rate-limit and authz do. */
function stepModule(stage: PipelineStage, options: { async?: boolean } = {}): Type<unknown> {
  const Step = stepFor(stage, options);
  @Module({
    imports: [BulwarkPipelineModule],
    providers: [Step, pipelineStep(Step, stage)],
  })
  class StepModule {}
  return StepModule;
}

@Controller()
class RoutesController {
  @Get('read')
  read() {
    return { ok: true };
  }

  @SetMetadata(OPEN, true)
  @Get('open')
  open() {
    return { ok: true };
  }

  @Get('denied')
  denied() {
    return { ok: true };
  }
}

/** A guard registered the usual way, to show where the pipeline's one guard sits among them. */
@Injectable()
class CountingGuard implements CanActivate {
  static count = 0;
  canActivate(): boolean {
    CountingGuard.count += 1;
    if (Reflect.getMetadata(DENY, RoutesController) === true) throw new ForbiddenException();
    return true;
  }
}

const apps: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  trail = [];
});

async function serve(imports: Type<unknown>[], adapter: 'express' | 'fastify') {
  @Module({ imports, controllers: [RoutesController] })
  class AppModule {}
  const app = await NestFactory.create(
    AppModule,
    adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
    { logger: false, abortOnError: false },
  );
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    get: (path: string) => fetch(`http://127.0.0.1:${port}${path}`),
  };
}

describe.each(['express', 'fastify'] as const)('the request pipeline on %s', (adapter) => {
  it('runs the steps in stage order, whatever order their modules were imported in', async () => {
    const { get } = await serve(
      [stepModule('authorization'), stepModule('rate-limit'), stepModule('authentication')],
      adapter,
    );
    trail = [];
    expect((await get('/read')).status).toBe(200);
    expect(trail).toEqual(['authentication:read', 'rate-limit:read', 'authorization:read']);
  });

  it('plans every controller route once at start-up, and reads nothing per request', async () => {
    const { get } = await serve([stepModule('rate-limit'), stepModule('authentication')], adapter);
    const planned = trail.filter((entry) => entry.startsWith('plan:'));
    expect(planned).toEqual(
      expect.arrayContaining([
        'plan:authentication:read',
        'plan:rate-limit:read',
        'plan:authentication:open',
        'plan:authentication:denied',
      ]),
    );
    trail = [];
    await get('/read');
    await get('/read');
    expect(trail).toEqual([
      'authentication:read',
      'rate-limit:read',
      'authentication:read',
      'rate-limit:read',
    ]);
  });

  it('leaves a step out of a route it has nothing to do on', async () => {
    const { get } = await serve([stepModule('authentication'), stepModule('rate-limit')], adapter);
    trail = [];
    expect((await get('/open')).status).toBe(200);
    expect(trail).toEqual([]);
  });

  it('stops at the first step that refuses, waiting for the ones that answer with a promise', async () => {
    const { get } = await serve(
      [
        stepModule('authorization', { async: true }),
        stepModule('rate-limit', { async: true }),
        stepModule('authentication', { async: true }),
      ],
      adapter,
    );
    trail = [];
    expect((await get('/denied')).status).toBe(403);
    expect(trail).toEqual(['authentication:denied', 'rate-limit:denied']);
    trail = [];
    expect((await get('/read')).status).toBe(200);
    expect(trail).toEqual(['authentication:read', 'rate-limit:read', 'authorization:read']);
  });

  it('is one global guard however many modules import it, placed where it is first imported', async () => {
    CountingGuard.count = 0;
    @Module({ providers: [{ provide: APP_GUARD, useClass: CountingGuard }] })
    class CountingModule {}
    const { app, get } = await serve(
      [stepModule('authentication'), CountingModule, stepModule('authorization')],
      adapter,
    );
    expect(app.get(PipelineRegistry).steps.map((step) => step.stage)).toEqual([
      'authentication',
      'authorization',
    ]);
    trail = [];
    Reflect.defineMetadata(DENY, true, RoutesController);
    try {
      // The pipeline guard runs before the counting guard, which refuses: both steps ran, once.
      expect((await get('/read')).status).toBe(403);
    } finally {
      Reflect.deleteMetadata(DENY, RoutesController);
    }
    expect(trail).toEqual(['authentication:read', 'authorization:read']);
    expect(CountingGuard.count).toBe(1);
  });
});

describe('a step replaced by a plain guard in a test', () => {
  it("runs that guard at the step's stage on every route, as a global guard ran", async () => {
    const Step = stepFor('authentication');
    @Module({
      imports: [BulwarkPipelineModule],
      providers: [Step, pipelineStep(Step, 'authentication')],
    })
    class StepModule {}
    @Module({ imports: [stepModule('rate-limit'), StepModule], controllers: [RoutesController] })
    class AppModule {}
    const seen: string[] = [];
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(Step)
      .useValue({
        canActivate: (context: ExecutionContext) => {
          seen.push(context.getHandler().name);
          return context.getHandler().name !== 'denied';
        },
      })
      .compile();
    const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    trail = [];
    expect((await get('/open')).status).toBe(200);
    expect((await get('/denied')).status).toBe(403);
    expect(seen).toEqual(['open', 'denied']);
    // The replacement ran first: the rate-limit step ran after it, and not after the refusal.
    expect(trail).toEqual([]);
    expect(app.get(PipelineRegistry).steps.map((step) => step.stage)).toEqual([
      'authentication',
      'rate-limit',
    ]);
  });

  it('refuses a replacement that is neither a step nor a guard, naming the class', async () => {
    const Step = stepFor('authorization');
    @Module({
      imports: [BulwarkPipelineModule],
      providers: [Step, pipelineStep(Step, 'authorization')],
    })
    class StepModule {}
    await expect(
      Test.createTestingModule({ imports: [StepModule] })
        .overrideProvider(Step)
        .useValue({})
        .compile(),
    ).rejects.toThrow(
      'pipelineStep: Step was replaced by a value that is neither a pipeline step (planFor, run) nor a guard (canActivate).',
    );
  });
});

describe('PipelineRegistry', () => {
  it('refuses a step with an unknown stage, naming the stages', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [BulwarkPipelineModule],
    }).compile();
    const step = {
      stage: 'validation',
      planFor: () => true,
      run: () => true,
    } as unknown as PipelineStep;
    try {
      moduleRef.get(PipelineRegistry).add(step);
      expect.unreachable('the step was added');
    } catch (error) {
      expect(error).toBeInstanceOf(BulwarkConfigError);
      expect((error as BulwarkConfigError).message).toBe(
        'stage: "validation" is not a pipeline stage; use one of authentication, rate-limit, authorization.',
      );
    }
    await moduleRef.close();
  });

  it('plans a route first seen on a request (added after start-up) then, and keeps its plan', () => {
    const registry = new PipelineRegistry();
    const Step = stepFor('authentication');
    registry.add(new Step());
    class Late {
      route() {}
    }
    const first = registry.pipelineOf(Late, Late.prototype.route);
    expect(first.plans).toEqual(['authentication:route']);
    expect(registry.pipelineOf(Late, Late.prototype.route)).toBe(first);
    expect(trail.filter((entry) => entry.startsWith('plan:'))).toEqual([
      'plan:authentication:route',
    ]);
  });
});

describe('RoutePlans', () => {
  it('keeps one plan per controller for a method several controllers inherit', () => {
    class Base {
      read() {}
    }
    class Open extends Base {}
    class Closed extends Base {}
    const plans = new RoutePlans(({ controller }: RouteTarget) => controller.name);
    expect(plans.get(Open, Base.prototype.read)).toBe('Open');
    expect(plans.get(Closed, Base.prototype.read)).toBe('Closed');
    expect(plans.get(Open, Base.prototype.read)).toBe('Open');
  });
});
