import { rawRequest } from '@bulwark/core/request';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import {
  type CanActivate,
  Controller,
  Get,
  Injectable,
  Module,
  Req,
  UseGuards,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeNestExceptions } from './exception-observer.js';
import { serverErrorOf } from './server-error.js';

// observeNestExceptions() relies on a NestJS internal (see its comment): these tests fail, naming
// what moved, as soon as a NestJS upgrade moves the file, renames the class or changes `next`.
describe('the NestJS internal the exception observer relies on', () => {
  it('is @nestjs/core/exceptions/exceptions-handler.js, exporting ExceptionsHandler', async () => {
    const internal = (await import('@nestjs/core/exceptions/exceptions-handler.js')) as {
      ExceptionsHandler?: unknown;
    };
    expect(typeof internal.ExceptionsHandler).toBe('function');
  });

  it('is a BaseExceptionFilter whose prototype has next(exception, host)', async () => {
    const { ExceptionsHandler } = await import('@nestjs/core/exceptions/exceptions-handler.js');
    expect(ExceptionsHandler.prototype).toBeInstanceOf(BaseExceptionFilter);
    const next = (ExceptionsHandler.prototype as unknown as Record<string, unknown>).next;
    expect(typeof next).toBe('function');
    expect((next as (...args: unknown[]) => unknown).length).toBe(2);
  });
});

const seen: unknown[] = [];

@Injectable()
class ExplodingGuard implements CanActivate {
  canActivate(context: Parameters<CanActivate['canActivate']>[0]): boolean {
    seen.push(context.switchToHttp().getRequest());
    throw new Error('guard exploded');
  }
}

@Controller()
class ExplodingController {
  @Get('handler')
  handler(@Req() request: unknown): never {
    seen.push(request);
    throw new Error('handler exploded');
  }

  @UseGuards(ExplodingGuard)
  @Get('guard')
  guarded(): string {
    return 'unreachable';
  }
}

@Module({ controllers: [ExplodingController] })
class ExplodingModule {}

describe.each(ADAPTERS)("NestJS's router on %s", (adapter) => {
  let running: RunningApp;
  let observed = false;

  beforeAll(async () => {
    observed = observeNestExceptions();
    running = await bootstrap(ExplodingModule, { adapter });
  });

  afterAll(() => running?.close());

  it("finds NestJS's exceptions handler to observe", () => {
    expect(observed).toBe(true);
  });

  it.each([
    ['a handler', '/handler', 'handler exploded'],
    ['a guard', '/guard', 'guard exploded'],
  ])('hands the exception %s threw to the observed handler', async (_where, path, message) => {
    seen.length = 0;
    const response = await fetch(`${running.url}${path}`);
    expect(response.status).toBe(500);
    expect(seen).toHaveLength(1);
    const remembered = serverErrorOf(rawRequest(seen[0]));
    expect(remembered).toBeInstanceOf(Error);
    expect((remembered as Error).message).toBe(message);
  });
});
