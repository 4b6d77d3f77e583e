import { detectLeaks } from '@bulwark/core/testing';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Module } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSafeBodyParser } from '../src/exports/body-parser.js';
import { ErrorsModule } from '../src/index.js';
import { FixtureController } from './support/fixture.js';

@Module({ imports: [ErrorsModule.forRoot()], controllers: [FixtureController] })
class ExistingAppModule {}

describe.each(ADAPTERS)('ErrorsModule.forRoot() in an existing app on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await bootstrap(ExistingAppModule, {
      adapter,
      configure: (app) => useSafeBodyParser(app, { bodyLimitBytes: 512 }),
    });
  });
  afterAll(() => running.close());

  it('renders unknown errors as a generic problem with a request id', async () => {
    const response = await fetch(`${running.url}/boom`);
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(detectLeaks(text)).toEqual([]);
    expect(JSON.parse(text).requestId).toBe(response.headers.get('x-request-id'));
  });

  it('sets a request id on 404s', async () => {
    const response = await fetch(`${running.url}/missing`, { headers: { 'x-request-id': 'r-1' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('r-1');
  });

  it('validates bodies with the global pipe', async () => {
    const response = await fetch(`${running.url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"a","body":"b","extra":1}',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown }).errors).toEqual([
      { field: 'extra', rules: ['unknown'] },
    ]);
  });

  it('applies the body limit given to useSafeBodyParser, below the adapter default', async () => {
    const response = await fetch(`${running.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: 'x'.repeat(600) }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses a form body that the adapter would parse by default', async () => {
    const response = await fetch(`${running.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(response.status).toBe(415);
  });
});
