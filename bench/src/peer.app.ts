// The peer stack, assembled the usual way: @nestjs/passport + passport-jwt, @nestjs/throttler,
// helmet, a prom-client middleware and (preloaded by the runner) the OpenTelemetry NodeSDK with
// http/express/nest instrumentation. Same route, same checks: scope, then owner.
import 'reflect-metadata';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Req,
  UseGuards,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import helmet from 'helmet';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { collectDefaultMetrics, Histogram } from 'prom-client';
import { itemFor, listen, settings } from './common.js';

interface Claims {
  iss: string;
  sub: string;
  scope?: string;
}

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: settings.pem,
      algorithms: ['ES256'],
      issuer: settings.issuer,
      audience: settings.audience,
    });
  }
  validate(payload: Claims): Claims {
    return payload;
  }
}

@Injectable()
class ScopeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<{ user?: Claims }>().user;
    if (!user?.scope?.split(' ').includes('items:read')) throw new ForbiddenException();
    return true;
  }
}

@Controller('v1/items')
class ItemsController {
  @UseGuards(AuthGuard('jwt'), ScopeGuard)
  @Get(':id')
  get(@Param('id') id: string, @Req() req: { user: Claims }) {
    const owner = `${req.user.iss}|${req.user.sub}`;
    const item = itemFor(id, owner);
    if (item.ownerId !== owner) throw new NotFoundException();
    return item;
  }
}

@Module({
  imports: [PassportModule, ThrottlerModule.forRoot([{ ttl: 60_000, limit: 1_000_000_000 }])],
  controllers: [ItemsController],
  providers: [JwtStrategy, ScopeGuard, { provide: APP_GUARD, useClass: ThrottlerGuard }],
})
class AppModule {}

collectDefaultMetrics();
const duration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration',
  labelNames: ['method', 'route', 'status'],
});

type RawRequest = { method?: string; url?: string; route?: { path?: string } };
type RawResponse = { statusCode: number; once(event: 'finish', listener: () => void): void };

const adapter = settings.adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter();
const app = await NestFactory.create(AppModule, adapter, { logger: false });
app.use(helmet());
app.use((req: RawRequest, res: RawResponse, next: () => void) => {
  const end = duration.startTimer();
  res.once('finish', () =>
    end({
      method: req.method,
      route: req.route?.path ?? '/v1/items/:id',
      status: String(res.statusCode),
    }),
  );
  next();
});
await listen(app);
