import { rawResponse } from '@bulwark/core/request';
import { useRequestIds } from '@bulwark/errors/request-ids';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Controller, Get, Headers, Module, Res } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSecurityHeaders } from '../src/exports/headers.js';

/** Express's `res.header` and Fastify's `reply.header` have the same shape. */
type HeaderSetter = { header(name: string, value: string): unknown };

@Controller('override')
class OverrideController {
  /** What a later handler, helmet or CORS middleware does to the same names. */
  @Get()
  override(@Res({ passthrough: true }) response: HeaderSetter) {
    const raw = rawResponse(response);
    const seen = {
      names: raw
        .getHeaderNames()
        .filter((name) => name.startsWith('x-') || name.startsWith('cross')),
      frame: raw.getHeader('X-Frame-Options'),
      hasHsts: raw.hasHeader('strict-transport-security'),
    };
    response.header('X-Frame-Options', 'SAMEORIGIN');
    raw.removeHeader('Cross-Origin-Opener-Policy');
    raw.setHeader('Referrer-Policy', 'same-origin');
    return seen;
  }

  @Get('cached')
  cached(
    @Headers('if-none-match') tag: string | undefined,
    @Res({ passthrough: true }) response: HeaderSetter,
  ) {
    const raw = rawResponse(response);
    raw.setHeader('ETag', '"v1"');
    if (tag === '"v1"') raw.statusCode = 304;
    return tag === '"v1"' ? undefined : { v: 1 };
  }
}

@Module({ controllers: [OverrideController] })
class OverrideModule {}

describe.each(ADAPTERS)('security headers written in one pass, then changed, on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await bootstrap(OverrideModule, {
      adapter,
      configure: (app) => {
        installSecurityHeaders(app.getHttpAdapter());
        useRequestIds(app);
      },
    });
  });
  afterAll(() => running.close());

  it('are seen by getHeader, hasHeader and getHeaderNames, and yield to later changes', async () => {
    const response = await fetch(`${running.url}/override`);
    expect(response.status).toBe(200);
    const seen = (await response.json()) as { names: string[]; frame: string; hasHsts: boolean };
    expect(seen.frame).toBe('DENY');
    expect(seen.hasHsts).toBe(true);
    expect(seen.names).toEqual(
      expect.arrayContaining([
        'x-request-id',
        'x-content-type-options',
        'x-frame-options',
        'cross-origin-opener-policy',
      ]),
    );
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('cross-origin-opener-policy')).toBeNull();
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('are on a HEAD answer', async () => {
    const response = await fetch(`${running.url}/override`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
  });

  it('are on a 304 answer', async () => {
    const response = await fetch(`${running.url}/override/cached`, {
      headers: { 'if-none-match': '"v1"' },
    });
    expect(response.status).toBe(304);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
  });
});
