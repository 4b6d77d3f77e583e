import { getPrincipal, Public } from '@bulwark/core';
import { ClientAddressResolver } from '@bulwark/core/peer';
import { Controller, Get, Injectable, Module, Req } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, bootstrap, type RunningApp } from '../src/index.js';

@Injectable()
class Clock {
  now(): string {
    return 'tick';
  }
}

// Injected by type alone: this only resolves when the compiler emitted design:paramtypes.
@Injectable()
class Greeter {
  constructor(private readonly clock: Clock) {}
  greet(): string {
    return `hello at ${this.clock.now()}`;
  }
}

const resolver = new ClientAddressResolver(['loopback']);

@Controller()
class AppController {
  constructor(private readonly greeter: Greeter) {}

  @Public()
  @Get('hello')
  hello(@Req() request: unknown) {
    return { message: this.greeter.greet(), anonymous: getPrincipal(request) === undefined };
  }

  @Public()
  @Get('client')
  client(@Req() request: unknown) {
    return { address: resolver.resolve(request) };
  }
}

@Module({ controllers: [AppController], providers: [Clock, Greeter] })
class AppModule {}

describe.each(ADAPTERS)('a tiny NestJS app on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await bootstrap(AppModule, { adapter });
  });
  afterAll(() => running.close());

  it('answers over real HTTP with a constructor-injected service', async () => {
    const response = await fetch(`${running.url}/hello`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'hello at tick', anonymous: true });
  });

  it('believes X-Forwarded-For from a trusted loopback proxy', async () => {
    const response = await fetch(`${running.url}/client`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(await response.json()).toEqual({ address: '203.0.113.9' });
  });

  it('answers 404 for an unknown route', async () => {
    expect((await fetch(`${running.url}/nope`)).status).toBe(404);
  });
});
