import { Public } from '@bulwark/core';
import { ADAPTERS, bootstrap } from '@bulwark/test-harness';
import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  Module,
  type NestInterceptor,
  Scope,
  UseInterceptors,
} from '@nestjs/common';
import { APP_INTERCEPTOR, ApplicationConfig } from '@nestjs/core';
import { Expose } from 'class-transformer';
import { type Observable, of, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AuthzModule, Serialize } from '../src/index.js';
import { call } from './support/http.js';

class CardView {
  @Expose() id!: string;
}
class WideCardView {
  @Expose() id!: string;
  @Expose() title!: string;
}

const card = () => ({ id: 'c1', title: 'A card', ownerId: 'user-1' });

/** What the interceptors saw of each answer, in order. */
const seen: unknown[] = [];

@Injectable()
class RecordingInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(tap((body) => seen.push(body)));
  }
}

@Public()
@Controller('v1/cards')
class CardsController {
  @Serialize(CardView)
  @Get('one')
  one() {
    return card();
  }

  @Serialize(CardView)
  @UseInterceptors(RecordingInterceptor)
  @Get('route-intercepted')
  routeIntercepted() {
    return card();
  }

  @Serialize(CardView)
  @Get('observable')
  observable() {
    return of(card());
  }

  @Get('raw')
  raw() {
    return card();
  }
}

@Public()
@Serialize(CardView)
@Controller('v1/base-cards')
class BaseCardsController {
  @Get('inherited')
  inherited() {
    return card();
  }

  @Serialize(WideCardView)
  @Get('own-view')
  ownView() {
    return card();
  }
}

// A subclass declares a route its class-level view (inherited) covers, and one the base has.
@Controller('v1/derived-cards')
class DerivedCardsController extends BaseCardsController {
  @Get('added')
  added() {
    return card();
  }
}

@Public()
@Serialize(WideCardView)
@Controller('v1/overriding-cards')
class OverridingCardsController extends BaseCardsController {}

@Module({
  imports: [AuthzModule.forRoot()],
  controllers: [CardsController, DerivedCardsController, OverridingCardsController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: RecordingInterceptor }],
})
class CardsApp {}

@Module({ imports: [AuthzModule.forRoot()], controllers: [CardsController] })
class PlainCardsApp {}

@Public()
@Controller({ path: 'v1/scoped-cards', scope: Scope.REQUEST })
class RequestScopedCardsController {
  @Serialize(CardView)
  @Get('one')
  one() {
    return card();
  }
}

@Module({
  imports: [AuthzModule.forRoot({ serialization: false })],
  controllers: [CardsController, RequestScopedCardsController],
})
class UnserializedCardsApp {}

describe.each(ADAPTERS)('@Serialize() projects in the handler (%s)', (adapter) => {
  it('lets a global interceptor of the app see the projected body only, never the entity', async () => {
    const { url, close } = await bootstrap(CardsApp, { adapter });
    try {
      seen.length = 0;
      const answer = await call(url, 'GET', '/v1/cards/one');
      expect(answer.body).toEqual({ id: 'c1' });
      expect(seen).toEqual([{ id: 'c1' }]);
    } finally {
      await close();
    }
  });

  it('lets a route interceptor see the projected body only', async () => {
    const { url, close } = await bootstrap(PlainCardsApp, { adapter });
    try {
      seen.length = 0;
      const answer = await call(url, 'GET', '/v1/cards/route-intercepted');
      expect(answer.body).toEqual({ id: 'c1' });
      expect(seen).toEqual([{ id: 'c1' }]);
    } finally {
      await close();
    }
  });

  it('installs no global interceptor, so routes run without an interceptor chain', async () => {
    const { app, url, close } = await bootstrap(PlainCardsApp, { adapter });
    try {
      const config = app.get(ApplicationConfig);
      expect(config.getGlobalInterceptors()).toEqual([]);
      expect(config.getGlobalRequestInterceptors()).toEqual([]);
      expect((await call(url, 'GET', '/v1/cards/one')).body).toEqual({ id: 'c1' });
      expect((await call(url, 'GET', '/v1/cards/raw')).body).toEqual(card());
    } finally {
      await close();
    }
  });

  it('projects each value of an Observable a handler returns', async () => {
    const { url, close } = await bootstrap(PlainCardsApp, { adapter });
    try {
      expect((await call(url, 'GET', '/v1/cards/observable')).body).toEqual({ id: 'c1' });
    } finally {
      await close();
    }
  });

  it('applies a class-level view to routes a subclass adds, and a handler view over it', async () => {
    const { url, close } = await bootstrap(CardsApp, { adapter });
    try {
      expect((await call(url, 'GET', '/v1/derived-cards/added')).body).toEqual({ id: 'c1' });
      expect((await call(url, 'GET', '/v1/derived-cards/inherited')).body).toEqual({ id: 'c1' });
      expect((await call(url, 'GET', '/v1/derived-cards/own-view')).body).toEqual({
        id: 'c1',
        title: 'A card',
      });
      // The subclass's own class-level view replaces the inherited one; a handler's stays.
      expect((await call(url, 'GET', '/v1/overriding-cards/inherited')).body).toEqual({
        id: 'c1',
        title: 'A card',
      });
      expect((await call(url, 'GET', '/v1/overriding-cards/own-view')).body).toEqual({
        id: 'c1',
        title: 'A card',
      });
    } finally {
      await close();
    }
  });

  it('answers unprojected with serialization: false, request-scoped controllers included', async () => {
    const { url, close } = await bootstrap(UnserializedCardsApp, { adapter });
    try {
      expect((await call(url, 'GET', '/v1/cards/one')).body).toEqual(card());
      expect((await call(url, 'GET', '/v1/scoped-cards/one')).body).toEqual(card());
    } finally {
      await close();
    }
    // Another app of the same process, with serialization on, still projects.
    const serialized = await bootstrap(PlainCardsApp, { adapter });
    try {
      expect((await call(serialized.url, 'GET', '/v1/cards/one')).body).toEqual({ id: 'c1' });
    } finally {
      await serialized.close();
    }
  });
});
