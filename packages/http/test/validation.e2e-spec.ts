import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import { IsOptional, IsString } from 'class-validator';
import { afterAll, describe, expect, it } from 'vitest';
import { createSecureApp } from '../src/index.js';

class CreateUser {
  @IsString() name!: string;
  @IsOptional() @IsString() role?: string;
}

@Controller('users')
class UsersController {
  @Post()
  create(@Body() user: CreateUser) {
    return { name: user.name, role: user.role ?? null, isDto: user instanceof CreateUser };
  }

  @Get()
  list(@Query('limit') limit: number) {
    return { limit, type: typeof limit };
  }
}

@Module({ controllers: [UsersController] })
class UsersModule {}

async function post(url: string, body: string) {
  const response = await fetch(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.each(ADAPTERS)("createSecureApp's validation pipe on %s", (adapter) => {
  const running: RunningApp[] = [];
  const start = async (validation?: object) => {
    const app = await createSecureApp(UsersModule, { adapter, logger: false, env: {}, validation });
    const started = await bootstrap(app, { adapter });
    running.push(started);
    return started.url;
  };
  afterAll(() => Promise.all(running.map((app) => app.close())));

  it('is @bulwark/errors’ StrictValidationPipe: unknown fields refused with validation-failed', async () => {
    const url = await start();
    expect(await post(url, '{"name":"ada","admin":true}')).toEqual({
      status: 400,
      body: {
        type: 'urn:bulwark:problem:validation-failed',
        title: 'Validation Failed',
        status: 400,
        detail: 'The request has invalid or unknown fields: admin.',
        errors: [{ field: 'admin', rules: ['unknown'] }],
        instance: '/users',
        requestId: expect.any(String),
      },
    });
    // No protected fields unless configured: a DTO that declares `role` gets it.
    expect(await post(url, '{"name":"ada","role":"editor"}')).toEqual({
      status: 201,
      body: { name: 'ada', role: 'editor', isDto: true },
    });
    const list = await fetch(`${url}/users?limit=5`);
    expect(await list.json()).toEqual({ limit: 5, type: 'number' });
  });

  it('refuses the protected fields the validation option names, at any depth', async () => {
    const url = await start({ protectedFields: ['role'] });
    const answer = await post(url, '{"name":"ada","role":"admin"}');
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ field: 'role', rules: ['protected'] }]);
  });

  it('refuses an option the pipe does not take at start-up, naming it', async () => {
    await expect(
      createSecureApp(UsersModule, {
        adapter,
        logger: false,
        env: {},
        validation: { exceptionFactory: () => new Error('x') } as never,
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message:
        'validation.exceptionFactory: is not an option of the validation pipe; it takes protectedFields, maxDepth, transform, transformOptions',
    });
  });
});
