import { randomUUID } from 'node:crypto';
import { Authorize, LoadedResource, RequireRoles, RequireScopes } from '@bulwark/authz';
import { ownerPolicy } from '@bulwark/authz/policies';
import { getPrincipal, type Principal, Public } from '@bulwark/core';
import { MetricsService } from '@bulwark/metrics';
import { ADAPTERS, createTestIssuer, type TestIssuer } from '@bulwark/test-harness';
import { Body, Controller, Get, HttpCode, Module, Param, Post, Req } from '@nestjs/common';
import { IsString, MaxLength } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../src/index.js';

interface Note {
  id: string;
  ownerId: string;
  title: string;
}
const notes = new Map<string, Note>();

class CreateNote {
  @IsString() @MaxLength(100) title!: string;
}

@Controller('v1/notes')
class NotesController {
  @RequireScopes('notes:write')
  @Post()
  @HttpCode(201)
  create(@Req() request: unknown, @Body() body: CreateNote) {
    const note = {
      id: randomUUID(),
      ownerId: (getPrincipal(request) as Principal).id,
      title: body.title,
    };
    notes.set(note.id, note);
    return { id: note.id, title: note.title };
  }

  @RequireScopes('notes:read')
  @Authorize({
    action: 'notes:read',
    load: ({ params }) => notes.get(params.id ?? ''),
    policy: ownerPolicy(),
  })
  @Get(':id')
  read(@Param('id') _id: string, @LoadedResource() note: Note) {
    return { id: note.id, title: note.title };
  }

  @RequireRoles('admin')
  @Get('admin/all')
  all() {
    return { count: notes.size };
  }

  @Public()
  @Get('public/boom')
  boom(): never {
    throw new Error('database password=hunter2 at /srv/app/node_modules/pg/lib/client.js:42');
  }
}

@Module({ controllers: [NotesController] })
class NotesModule {}

@Module({})
class EmptyModule {}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

describe.each(ADAPTERS)('createService on %s: every control on the request path', (adapter) => {
  let issuer: TestIssuer;
  let url: string;
  let metricsUrl: string;
  let close: () => Promise<void>;
  const token = (claims: Record<string, unknown>) => issuer.mint({ claims });
  const get = (path: string, bearer?: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      headers: { ...headers, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    });

  beforeAll(async () => {
    issuer = await createTestIssuer();
    const app = await createService(NotesModule, {
      adapter,
      env: { NODE_ENV: 'test' },
      auth: { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUrl },
      rateLimit: { limit: 8, windowSeconds: 60, authFailure: { limit: 1000, windowSeconds: 60 } },
      shutdown: false,
      metrics: { port: 0 },
      logging: { destination: { write: () => true } },
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    metricsUrl = `http://127.0.0.1:${app.get(MetricsService).port}/metrics`;
    close = () => app.close();
  });
  afterAll(async () => {
    await close();
    await issuer.close();
  });

  it('authenticates, authorizes by scope, and keeps objects to their owner (404 for others)', async () => {
    const alice = token({ sub: 'alice', scope: 'notes:read notes:write' });
    const created = await fetch(`${url}/v1/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'groceries' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { id } = (await created.json()) as { id: string };

    expect((await get(`/v1/notes/${id}`, alice)).status).toBe(200);
    const bob = await get(`/v1/notes/${id}`, token({ sub: 'bob', scope: 'notes:read' }));
    expect(bob.status).toBe(404);
    expect(bob.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('answers 401 with a Bearer challenge, and invalid_token for a bad token', async () => {
    const anonymous = await get('/v1/notes/x');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="/);
    const forged = await get('/v1/notes/x', `${token({ scope: 'notes:read' })}x`);
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 403 insufficient_scope, and 403 to a caller without the admin role', async () => {
    const noScope = await get('/v1/notes/x', token({ scope: 'profile' }));
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect((await get('/v1/notes/admin/all', token({ roles: ['user'] }))).status).toBe(403);
    expect(
      (await get('/v1/notes/admin/all', token({ sub: 'root', roles: ['admin'] }))).status,
    ).toBe(200);
  });

  it('rejects mass assignment with 400 before the handler', async () => {
    const response = await fetch(`${url}/v1/notes`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token({ scope: 'notes:write' })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ title: 't', ownerId: 'someone-else' }),
    });
    expect(response.status).toBe(400);
  });

  it('turns an unknown error into a generic 500 problem with security headers and no leak', async () => {
    const response = await get('/v1/notes/public/boom', undefined, {
      'x-request-id': 'trace-me-1',
    });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('trace-me-1');
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      expect(response.headers.get(name)).toBe(value);
    expect(response.headers.get('x-powered-by')).toBeNull();
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      status: 500,
      requestId: 'trace-me-1',
      instance: '/v1/notes/public/boom',
    });
    expect(text).not.toMatch(/hunter2|node_modules|\/srv\/app|at .*\.js/);
  });

  it('serves probes without authentication, and metrics only on the private port', async () => {
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/health/ready')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(404);
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toContain('http_request_duration_seconds_bucket');
    expect(metrics).toContain('route="/v1/notes/:id"');
  });

  it('limits a principal to its budget with standard headers and a 429 problem', async () => {
    const carol = token({ sub: `carol-${adapter}`, scope: 'notes:read' });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 10; i += 1) {
      last = await get('/v1/notes/none', carol);
      statuses.push(last.status);
    }
    expect(statuses.filter((status) => status === 404)).toHaveLength(8);
    expect(statuses.slice(8)).toEqual([429, 429]);
    expect(last?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last?.headers.get('ratelimit-policy')).toBe('"default";q=8;w=60');
    expect(last?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('createService refuses to start', () => {
  it('when a route declares neither @Public() nor an authorization requirement', async () => {
    @Controller('v1/open')
    class UndeclaredController {
      @Get()
      open() {
        return 'oops';
      }
    }
    @Module({ controllers: [UndeclaredController] })
    class UndeclaredModule {}

    const issuer = await createTestIssuer();
    try {
      const app = await createService(UndeclaredModule, {
        env: { NODE_ENV: 'test' },
        auth: { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUrl },
        shutdown: false,
        metrics: false,
        logging: { destination: { write: () => true } },
      });
      await expect(app.init()).rejects.toThrow(/GET \/v1\/open/);
      await app.close();
    } finally {
      await issuer.close();
    }
  });

  it('in production without auth settings, naming the variables to set', async () => {
    await expect(
      createService(EmptyModule, {
        env: { NODE_ENV: 'production' },
        shutdown: false,
        metrics: false,
      }),
    ).rejects.toThrow(/AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL/);
  });
});
