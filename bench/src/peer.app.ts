// The peer stack, assembled the usual way: @nestjs/passport + passport-jwt, a scope guard,
// @nestjs/throttler, helmet, class-validator DTOs through ValidationPipe, a prom-client
// middleware and (preloaded by the runner) the OpenTelemetry NodeSDK with http/express/nest
// instrumentation. Same routes and checks as the generated service: scopes, then the owner.
import 'reflect-metadata';
import {
  Body,
  type CanActivate,
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  SetMetadata,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import { APP_GUARD, NestFactory, Reflector } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import helmet from 'helmet';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { collectDefaultMetrics, Histogram } from 'prom-client';
import { listen, NoteStore, noteView, settings } from './common.js';

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

const Scope = (scope: string) => SetMetadata('scope', scope);

@Injectable()
class ScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}
  canActivate(context: ExecutionContext): boolean {
    const scope = this.reflector.get<string>('scope', context.getHandler());
    const user = context.switchToHttp().getRequest<{ user?: Claims }>().user;
    if (!user?.scope?.split(' ').includes(scope)) throw new ForbiddenException();
    return true;
  }
}

class CreateNoteDto {
  @IsString()
  @Length(1, 200)
  title!: string;

  @IsString()
  @Length(0, 10_000)
  body!: string;
}

class ListNotesQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

const store = new NoteStore();
const ownerOf = (user: Claims) => `${user.iss}|${user.sub}`;

@Controller('v1/notes')
@UseGuards(AuthGuard('jwt'), ScopeGuard)
class NotesController {
  @Scope('notes:write')
  @Post()
  create(@Req() req: { user: Claims }, @Body() input: CreateNoteDto) {
    return noteView(store.insert(ownerOf(req.user), input.title, input.body));
  }

  @Scope('notes:read')
  @Get()
  list(@Req() req: { user: Claims }, @Query() query: ListNotesQuery) {
    return store.page(ownerOf(req.user), query.limit, query.offset);
  }

  @Scope('notes:read')
  @Get(':id')
  get(@Param('id') id: string, @Req() req: { user: Claims }) {
    const note = store.get(id);
    if (note === undefined || note.ownerId !== ownerOf(req.user)) throw new NotFoundException();
    return noteView(note);
  }
}

@Controller('health')
class HealthController {
  @Get('live')
  live() {
    return { status: 'ok' };
  }
}

@Module({
  imports: [PassportModule, ThrottlerModule.forRoot([{ ttl: 60_000, limit: 1_000_000_000 }])],
  controllers: [NotesController, HealthController],
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
app.useGlobalPipes(
  new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
);
app.use(helmet());
app.use((req: RawRequest, res: RawResponse, next: () => void) => {
  const end = duration.startTimer();
  res.once('finish', () =>
    end({
      method: req.method,
      route: req.route?.path ?? req.url?.split('?')[0] ?? '',
      status: String(res.statusCode),
    }),
  );
  next();
});
await listen(app);
