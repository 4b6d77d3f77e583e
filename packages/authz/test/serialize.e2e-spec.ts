import { Public } from '@bulwark/core';
import { ADAPTERS, bootstrap } from '@bulwark/test-harness';
import { Controller, Get, Module } from '@nestjs/common';
import { Expose } from 'class-transformer';
import { describe, expect, it } from 'vitest';
import { AuthzModule, Serialize } from '../src/index.js';
import { call } from './support/http.js';

class BadgeView {
  @Expose() id!: string;
}

const badge = () => ({ id: 'b1', internalNote: 'not for clients' });

// @Serialize() on the class only: the interceptor is installed because the start-up scan
// finds class-level metadata, not just method-level.
@Public()
@Serialize(BadgeView)
@Controller('v1/badges')
class BadgesController {
  @Get('one')
  one() {
    return badge();
  }
}

@Module({ imports: [AuthzModule.forRoot()], controllers: [BadgesController] })
class SerializedApp {}

@Module({
  imports: [AuthzModule.forRoot({ serialization: false })],
  controllers: [BadgesController],
})
class UnserializedApp {}

describe.each(ADAPTERS)('@Serialize() on a controller class (%s)', (adapter) => {
  it('answers with the view fields only', async () => {
    const { url, close } = await bootstrap(SerializedApp, { adapter });
    try {
      const answer = await call(url, 'GET', '/v1/badges/one');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ id: 'b1' });
    } finally {
      await close();
    }
  });

  it('answers with the whole object when serialization is off', async () => {
    const { url, close } = await bootstrap(UnserializedApp, { adapter });
    try {
      const answer = await call(url, 'GET', '/v1/badges/one');
      expect(answer.body).toEqual(badge());
    } finally {
      await close();
    }
  });
});
