import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAdapter } from '@bulwark/test-harness';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import {
  buildRouteInventory,
  formatRouteInventory,
  formatRouteInventoryJson,
} from '../src/exports/inventory.js';
import { runRoutesCli } from '../src/internal/routes-cli.js';
import { AppModule } from './support/inventory.app.js';

const fixture = fileURLToPath(new URL('./support/inventory.app.ts', import.meta.url));

async function runCli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runRoutesCli(args, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    cwd: process.cwd(),
  });
  return { code, out, err };
}

describe('route inventory', () => {
  it('lists every route of a created (not listening) app, with its prefix', async () => {
    const app = await NestFactory.create(AppModule, createAdapter('fastify'), { logger: false });
    app.setGlobalPrefix('api');
    try {
      const entries = buildRouteInventory(app);
      expect(entries.map((entry) => `${entry.method} ${entry.path}`)).toContain(
        'GET /api/v1/notes/:id',
      );
      expect(entries.every((entry) => entry.declared)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('prints a table (snapshot)', async () => {
    const result = await runCli(['--module', fixture]);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toMatchSnapshot();
  });

  it('prints JSON (snapshot)', async () => {
    const result = await runCli(['--module', fixture, '--json', '--prefix', '/api']);
    expect(result.code).toBe(0);
    const entries = JSON.parse(result.out);
    expect(entries[0]).toEqual({
      method: 'GET',
      path: '/api/health/live',
      handler: 'HealthController.live',
      authentication: 'public',
      declared: true,
      scopes: '-',
      roles: '-',
      permissions: '-',
      peer: '-',
      policy: '-',
      body: '-',
      rateLimit: 'skip',
    });
    expect(result.out).toMatchSnapshot();
  });

  it('flags undeclared routes and exits 1, so CI catches a new unprotected endpoint', async () => {
    const result = await runCli(['--module', fixture, '--export', 'LegacyAppModule']);
    expect(result.code).toBe(1);
    expect(result.out).toContain('!GET    /v1/legacy');
    expect(result.err).toBe(
      'bulwark-routes: 1 route(s) declare neither @Public() nor an authorization requirement: GET /v1/legacy\n',
    );
  });

  it('lists routes under their URI version with --uri-versioning, as app.enableVersioning() would', async () => {
    const result = await runCli([
      '--module',
      fixture,
      '--json',
      '--uri-versioning',
      '--default-version',
      '2',
    ]);
    expect(result.code).toBe(0);
    const paths = JSON.parse(result.out).map((entry: { path: string }) => entry.path);
    expect(paths).toContain('/v2/health/live');
    expect(paths).toContain('/v2/v1/notes/:id');
    expect(paths.every((path: string) => path.startsWith('/v2/'))).toBe(true);
  });

  it('answers usage errors with exit code 2, naming the flag', async () => {
    expect(await runCli(['--module', fixture, '--default-version', '1'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--default-version needs --uri-versioning'),
    });
    expect(await runCli([])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--module is required'),
    });
    expect(await runCli(['--module', fixture, '--nope'])).toMatchObject({
      code: 2,
      err: expect.stringContaining("Unknown option '--nope'"),
    });
    expect(await runCli(['--module', fixture, '--export', 'Missing'])).toMatchObject({
      code: 1,
      err: expect.stringContaining('has no export Missing; set --export'),
    });
  });

  it('formats the same entries as table and JSON', () => {
    const entries = [
      {
        method: 'GET',
        path: '/x',
        handler: 'X.get',
        authentication: 'bearer' as const,
        declared: false,
        scopes: '-',
        roles: '-',
        permissions: '-',
        peer: '-',
        policy: '-',
        body: '-',
        rateLimit: 'default',
      },
    ];
    expect(formatRouteInventory(entries)).toBe(
      'METHOD  PATH  AUTH    SCOPES  ROLES  PERMISSIONS  PEER  POLICY  BODY  RATE LIMIT\n' +
        '!GET    /x    bearer  -       -      -            -     -       -     default\n',
    );
    expect(JSON.parse(formatRouteInventoryJson(entries))).toEqual(entries);
  });
});

describe('bulwark-routes (built bin)', () => {
  it('prints the inventory of a compiled module, as a separate process', () => {
    const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const app = fileURLToPath(new URL('./fixtures/plain.app.mjs', import.meta.url));
    const result = spawnSync(process.execPath, [bin, '--module', app, '--json'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(
      JSON.parse(result.stdout).map((entry: { method: string; path: string; roles: string }) =>
        [entry.method, entry.path, entry.roles].join(' '),
      ),
    ).toEqual(['GET /v1/stats ops', 'GET /v1/status -']);
  });
});
