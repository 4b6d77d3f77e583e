import { problem } from '@bulwark/core';
import { registerExceptionMapper } from '@bulwark/core/problems';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Controller, Get, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureApp } from '../src/index.js';

class QueueFullError extends Error {}

@Injectable()
class QueueErrors implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}
  onModuleInit(): void {
    registerExceptionMapper(this.host.httpAdapter, (error) =>
      error instanceof QueueFullError ? problem('service-unavailable') : undefined,
    );
  }
}

@Controller()
class QueueController {
  @Get('enqueue')
  enqueue(): never {
    throw new QueueFullError('queue /srv/queue is full');
  }
}

@Module({ controllers: [QueueController], providers: [QueueErrors] })
class QueueModule {}

describe.each(ADAPTERS)('createSecureApp with an exception mapper on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    const app = await createSecureApp(QueueModule, { adapter, logger: false, env: {} });
    running = await bootstrap(app, { adapter });
  });
  afterAll(() => running?.close());

  it("answers a mapped error with the mapper's problem", async () => {
    const response = await fetch(`${running.url}/enqueue`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ type: 'urn:bulwark:problem:service-unavailable' });
    expect(text).not.toMatch(/srv/);
  });
});
