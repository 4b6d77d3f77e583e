import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, type INestApplication, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawRequest } from './request-context.js';
import {
  addRequestStep,
  appendRequestHook,
  REQUEST_STAGES,
  type RequestStage,
} from './request-hooks.js';

const SEEN = Symbol('seen');

function seen(request: unknown): string[] {
  const raw = rawRequest(request) as IncomingMessage & { [SEEN]?: string[] };
  raw[SEEN] ??= [];
  return raw[SEEN];
}

@Controller('order')
class OrderController {
  @Get()
  order(@Req() request: unknown) {
    return { seen: seen(request) };
  }
}

@Module({ controllers: [OrderController] })
class OrderModule {}

const unsupported = () => new Error('no request hook');

/** Answers 401 from a step, the way an early refusal does on either adapter. */
function refuse(response: unknown): false {
  const reply = response as {
    code?: (status: number) => { send: (body: unknown) => void };
    status?: (status: number) => { json: (body: unknown) => void };
  };
  if (typeof reply.code === 'function') reply.code(401).send({ refused: true });
  else reply.status?.(401).json({ refused: true });
  return false;
}

describe.each(['express', 'fastify'] as const)('request steps on %s', (adapterName) => {
  let app: INestApplication;
  let url: string;
  let closed: Array<{ status: number; seen: string[] }>;

  async function start(register: (adapter: unknown) => void): Promise<void> {
    app = await NestFactory.create(
      OrderModule,
      adapterName === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
      { logger: false },
    );
    register(app.getHttpAdapter());
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }

  beforeEach(() => {
    closed = [];
  });
  afterEach(async () => {
    await app?.close();
  });

  /** Registers one step per stage, in the reverse of the stage order. */
  function registerReversed(adapter: unknown): void {
    appendRequestHook(
      adapter,
      'custom-async',
      (request, _response, done) => {
        setImmediate(() => {
          seen(request).push('custom');
          done();
        });
      },
      unsupported,
    );
    addRequestStep(
      adapter,
      {
        name: 'peer',
        stage: 'peer-identity',
        onRequest: (request, response) => {
          seen(request).push('peer-identity');
          return rawRequest(request).url === '/order?refuse' ? refuse(response) : undefined;
        },
      },
      unsupported,
    );
    addRequestStep(
      adapter,
      {
        name: 'observer',
        stage: 'observe',
        onRequest: (request) => {
          seen(request).push(`observe(id=${rawRequest(request).headers['x-test-id'] ?? '-'})`);
          return undefined;
        },
        onClose: (response: ServerResponse) => {
          closed.push({ status: response.statusCode, seen: [...seen(response.req)] });
        },
      },
      unsupported,
    );
    addRequestStep(
      adapter,
      {
        name: 'template',
        stage: 'route-template',
        onRequest: (request) => {
          seen(request).push('route-template');
          return undefined;
        },
      },
      unsupported,
    );
    addRequestStep(
      adapter,
      {
        name: 'headers',
        stage: 'security-headers',
        onRequest: (request, response) => {
          seen(request).push('security-headers');
          (response as { raw?: ServerResponse }).raw?.setHeader('x-test-header', 'on');
          if (!('raw' in (response as object))) {
            (response as ServerResponse).setHeader('x-test-header', 'on');
          }
          return undefined;
        },
      },
      unsupported,
    );
    addRequestStep(
      adapter,
      {
        name: 'id',
        stage: 'request-id',
        onRequest: (request) => {
          seen(request).push('request-id');
          // What the observer reads: set here, so it is only there if this step ran first.
          rawRequest(request).headers['x-test-id'] = 'assigned';
          return undefined;
        },
      },
      unsupported,
    );
  }

  it('runs the steps in stage order however they were registered', async () => {
    await start(registerReversed);
    const response = await fetch(`${url}/order`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-test-header')).toBe('on');
    expect(await response.json()).toEqual({
      seen: [
        'request-id',
        'security-headers',
        'route-template',
        'observe(id=assigned)',
        'peer-identity',
        'custom',
      ],
    });
    await expect.poll(() => closed).toHaveLength(1);
    expect(closed[0]?.status).toBe(200);
  });

  it('answers an early refusal with the headers of the earlier stages, observed, later stages skipped', async () => {
    await start(registerReversed);
    const response = await fetch(`${url}/order?refuse`);
    expect(response.status).toBe(401);
    expect(response.headers.get('x-test-header')).toBe('on');
    expect(await response.json()).toEqual({ refused: true });
    await expect.poll(() => closed).toHaveLength(1);
    expect(closed[0]).toEqual({
      status: 401,
      seen: [
        'request-id',
        'security-headers',
        'route-template',
        'observe(id=assigned)',
        'peer-identity',
      ],
    });
  });

  it('ignores a second registration under the same name', async () => {
    await start((adapter) => {
      const step = (label: string) => ({
        name: 'once',
        stage: 'observe' as RequestStage,
        onRequest: (request: unknown) => {
          seen(request).push(label);
          return undefined;
        },
      });
      addRequestStep(adapter, step('first'), unsupported);
      addRequestStep(adapter, step('second'), unsupported);
      appendRequestHook(
        adapter,
        'once',
        (request, _response, done) => {
          seen(request).push('third');
          done();
        },
        unsupported,
      );
    });
    expect(await (await fetch(`${url}/order`)).json()).toEqual({ seen: ['first'] });
  });

  it('keeps a hook set on the adapter directly, ahead of the steps', async () => {
    await start((adapter) => {
      (adapter as { setOnRequestHook: (hook: unknown) => void }).setOnRequestHook(
        (request: unknown, _response: unknown, done: () => void) => {
          seen(request).push('direct');
          done();
        },
      );
      addRequestStep(
        adapter,
        {
          name: 'id',
          stage: 'request-id',
          onRequest: (request) => {
            seen(request).push('request-id');
            return undefined;
          },
        },
        unsupported,
      );
    });
    expect(await (await fetch(`${url}/order`)).json()).toEqual({
      seen: ['direct', 'request-id'],
    });
  });

  it('passes an error thrown by a step to the error handling of the adapter', async () => {
    await start((adapter) => {
      addRequestStep(
        adapter,
        {
          name: 'thrower',
          stage: 'request-id',
          onRequest: () => {
            throw new Error('step failed');
          },
        },
        unsupported,
      );
    });
    const response = await fetch(`${url}/order`);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('"seen"');
  });

  // Before the fix the throw escaped into the timer or the promise of the hook before it: an
  // uncaught exception or an unhandled rejection, and a request that never got an answer (the
  // signal below ends the wait on it).
  it('passes an error thrown by a step after a hook that called done later to the error handling', async () => {
    await start((adapter) => {
      (adapter as { setOnRequestHook: (hook: unknown) => void }).setOnRequestHook(
        (_request: unknown, _response: unknown, done: () => void) => {
          setImmediate(() => done());
        },
      );
      addRequestStep(
        adapter,
        {
          name: 'thrower',
          stage: 'peer-identity',
          onRequest: () => {
            throw new Error('step failed');
          },
        },
        unsupported,
      );
    });
    const response = await fetch(`${url}/order`, { signal: AbortSignal.timeout(20_000) });
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('"seen"');
  }, 30_000);

  it('passes an error thrown by a hook after an async hook to the error handling', async () => {
    await start((adapter) => {
      appendRequestHook(
        adapter,
        'async-first',
        async (request) => {
          await new Promise((resolve) => setImmediate(resolve));
          seen(request).push('async-first');
        },
        unsupported,
      );
      appendRequestHook(
        adapter,
        'thrower',
        () => {
          throw new Error('hook failed');
        },
        unsupported,
      );
    });
    const response = await fetch(`${url}/order`, { signal: AbortSignal.timeout(20_000) });
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('"seen"');
    // The app still answers the next request.
    expect((await fetch(`${url}/order`, { signal: AbortSignal.timeout(20_000) })).status).toBe(500);
  }, 30_000);
});

describe('addRequestStep', () => {
  it('lists the stages in the order they run', () => {
    expect(REQUEST_STAGES).toEqual([
      'request-id',
      'security-headers',
      'route-template',
      'observe',
      'peer-identity',
      'custom',
    ]);
  });

  it('refuses an adapter without a request hook with the caller error', () => {
    expect(() =>
      addRequestStep(
        {},
        { name: 'x', stage: 'observe', onRequest: () => undefined },
        () => new Error('use the Express or Fastify adapter'),
      ),
    ).toThrow('use the Express or Fastify adapter');
  });

  it('refuses an unknown stage by name', () => {
    const adapter = { setOnRequestHook: () => undefined };
    expect(() =>
      addRequestStep(
        adapter,
        { name: 'x', stage: 'late' as RequestStage, onRequest: () => undefined },
        unsupported,
      ),
    ).toThrow(
      'unknown request stage "late": use one of request-id, security-headers, route-template, observe, peer-identity, custom',
    );
  });
});
