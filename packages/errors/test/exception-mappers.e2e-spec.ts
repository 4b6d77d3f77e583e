import { problem } from '@bulwark/core';
import { type ExceptionMapper, registerExceptionMapper } from '@bulwark/core/problems';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import {
  type CanActivate,
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  type OnModuleInit,
  UseGuards,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyErrorHandling, ErrorsModule } from '../src/index.js';

class QueueFullError extends Error {}

const queueMapper: ExceptionMapper = (error) =>
  error instanceof QueueFullError
    ? problem('service-unavailable', { headers: { 'Retry-After': '7' }, reason: 'queue full' })
    : undefined;

@Injectable()
class QueueErrors implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}
  onModuleInit(): void {
    registerExceptionMapper(this.host.httpAdapter, queueMapper);
  }
}

@Injectable()
class FullQueueGuard implements CanActivate {
  canActivate(): boolean {
    throw new QueueFullError('queue /srv/queue is full');
  }
}

@Controller()
class QueueController {
  @Get('enqueue')
  enqueue(): never {
    throw new QueueFullError('queue /srv/queue is full');
  }

  @Get('guarded')
  @UseGuards(FullQueueGuard)
  guarded(): { ok: boolean } {
    return { ok: true };
  }

  @Get('other')
  other(): never {
    throw new Error('something else /srv/app.ts');
  }
}

@Module({
  imports: [ErrorsModule.forRoot()],
  controllers: [QueueController],
  providers: [QueueErrors],
})
class WithModule {}

@Module({ controllers: [QueueController], providers: [QueueErrors] })
class WithoutModule {}

const SETUPS = [
  ['ErrorsModule', WithModule, undefined],
  ['applyErrorHandling', WithoutModule, applyErrorHandling],
] as const;

describe.each(ADAPTERS)('exception mappers on %s', (adapter) => {
  describe.each(SETUPS)('with %s', (_name, module, configure) => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await bootstrap(module, {
        adapter,
        ...(configure ? { configure: (app) => configure(app) } : {}),
      });
    });
    afterAll(() => running?.close());

    it.each(['enqueue', 'guarded'])(
      "answers a mapped error thrown by the %s route with the mapper's problem",
      async (path) => {
        const response = await fetch(`${running.url}/${path}`);
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(response.headers.get('retry-after')).toBe('7');
        const text = await response.text();
        expect(JSON.parse(text)).toMatchObject({
          type: 'urn:bulwark:problem:service-unavailable',
          status: 503,
          instance: `/${path}`,
        });
        expect(text).not.toMatch(/srv|queue full/);
      },
    );

    it('leaves an error no mapper knows a generic 500', async () => {
      const response = await fetch(`${running.url}/other`);
      expect(response.status).toBe(500);
      expect(await response.text()).not.toMatch(/srv|something else/);
    });
  });
});
