import { createServer } from 'node:net';
import { ErrorsModule } from '@bulwark/errors';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import {
  type CanActivate,
  Controller,
  Get,
  Injectable,
  Module,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulwarkDatabase, DatabaseModule, InjectDatabase } from '../src/index.js';

// PGlite starts a WebAssembly PostgreSQL: allow it time on a loaded machine.
const SLOW = 120_000;

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Stands in for an object-level loader: it runs in a guard, before any interceptor, and reads
 * the database through Drizzle over a `pg` pool whose server is down.
 */
function loaderGuard(pool: pg.Pool): new () => CanActivate {
  @Injectable()
  class LoaderGuard implements CanActivate {
    async canActivate(): Promise<boolean> {
      await drizzle(pool).execute(sql`SELECT 1 FROM notes WHERE id = ${1}`);
      return true;
    }
  }
  return LoaderGuard;
}

function mapperApp(pool: pg.Pool) {
  @Controller('items')
  class ItemsController {
    constructor(@InjectDatabase() private readonly database: BulwarkDatabase) {}

    @Post(':name')
    async create(@Param('name') name: string): Promise<{ created: string }> {
      await this.database.db.execute(sql`INSERT INTO items (name) VALUES (${name})`);
      return { created: name };
    }

    @Get('loaded')
    @UseGuards(loaderGuard(pool))
    loaded(): { loaded: boolean } {
      return { loaded: true };
    }

    @Get('broken')
    broken(): never {
      throw new Error('not a database error: /srv/app/secret.ts');
    }
  }

  @Module({
    imports: [
      ErrorsModule.forRoot({ validation: false }),
      DatabaseModule.forRoot({ env: { NODE_ENV: 'test' }, embedded: 'memory' }),
    ],
    controllers: [ItemsController],
  })
  class MapperAppModule {}
  return MapperAppModule;
}

describe.each(ADAPTERS)('database errors through the exception mappers on %s', (adapter) => {
  let running: RunningApp;
  let pool: pg.Pool;

  beforeAll(async () => {
    pool = new pg.Pool({
      host: '127.0.0.1',
      port: await closedPort(),
      user: 'app',
      database: 'app',
      connectionTimeoutMillis: 10_000,
    });
    running = await bootstrap(mapperApp(pool), { adapter });
    await running.app
      .get(BulwarkDatabase)
      .db.execute(sql`CREATE TABLE items (name text NOT NULL CONSTRAINT items_name_key UNIQUE)`);
  }, SLOW);

  afterAll(async () => {
    await running?.close();
    await pool?.end();
  });

  it('answers a unique violation a handler throws with a 409 problem naming no internals', async () => {
    expect((await fetch(`${running.url}/items/same`, { method: 'POST' })).status).toBe(201);
    const response = await fetch(`${running.url}/items/same`, { method: 'POST' });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      type: 'urn:bulwark:problem:conflict',
      status: 409,
      detail: 'A resource with the same unique value already exists.',
      instance: '/items/same',
    });
    expect(text).not.toMatch(/items_name_key|INSERT|duplicate key|23505|constraint/i);
  });

  it('answers a database connection error a guard (a loader) throws with a 503 problem and Retry-After', async () => {
    const response = await fetch(`${running.url}/items/loaded`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('1');
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      type: 'urn:bulwark:problem:service-unavailable',
      status: 503,
    });
    expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|SELECT|notes|Failed query/i);
  });

  it('leaves an error that is not the database a generic 500', async () => {
    const response = await fetch(`${running.url}/items/broken`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ type: 'urn:bulwark:problem:internal', status: 500 });
    expect(text).not.toMatch(/secret|not a database error/);
  });
});
