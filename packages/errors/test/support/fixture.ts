import { ProblemException, setResponseHeader } from '@bulwark/core';
import {
  Body,
  Controller,
  Get,
  HttpException,
  Module,
  NotFoundException,
  Post,
  Res,
} from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

export class TagDto {
  @IsString()
  @MaxLength(10)
  name!: string;
}

export class NoteDto {
  @IsString()
  @MaxLength(10)
  title!: string;

  @IsString()
  body!: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TagDto)
  tags?: TagDto[];
}

/** An internal message full of what must never reach a client. */
export const INTERNAL_MESSAGE =
  'connect ECONNREFUSED 10.0.0.5:5432 at Pool.connect (/home/app/node_modules/pg/lib/pool.js:45:11)';

@Controller()
export class FixtureController {
  @Get('ok')
  ok() {
    return { ok: true };
  }

  @Post('echo')
  echo(@Body() body: unknown) {
    return { received: body };
  }

  @Post('notes')
  create(@Body() note: NoteDto) {
    return { title: note.title, isDto: note instanceof NoteDto };
  }

  @Get('boom')
  boom() {
    throw new Error(INTERNAL_MESSAGE);
  }

  @Get('throw-string')
  throwString() {
    throw 'a bare string from /srv/app/dist/main.js:12';
  }

  @Get('http-exception')
  httpException() {
    throw new NotFoundException('Note /etc/passwd was not found in SELECT * FROM notes');
  }

  @Get('too-large')
  tooLarge() {
    throw new HttpException('Upload of 9 GB refused', 413);
  }

  @Get('teapot')
  teapot() {
    throw new HttpException({ message: INTERNAL_MESSAGE }, 418);
  }

  @Get('reset/:token')
  reset() {
    throw new ProblemException({
      kind: 'reset-link-expired',
      status: 410,
      title: 'Reset Link Expired',
      detail: 'Ask for a new password-reset link.',
      reason: 'reset token past its expiry',
    });
  }

  /** What an HTTP client throws when a dependency answers 401 (axios, got, ky alike). */
  @Get('dependency-401')
  dependency401() {
    throw Object.assign(new Error('Request failed with status code 401'), {
      status: 401,
      response: { status: 401, statusText: 'Unauthorized' },
    });
  }

  /** A driver's or SDK's error shaped like http-errors: `statusCode`, `status`, `expose`. */
  @Get('dependency-http-error')
  dependencyHttpError() {
    throw Object.assign(new Error('upstream token rejected'), {
      status: 401,
      statusCode: 401,
      expose: true,
    });
  }

  /** A bare object with a status, thrown as is. */
  @Get('object-401')
  object401() {
    throw { status: 401, statusCode: 401, message: 'Unauthorized' };
  }

  @Get('problem')
  problem(@Res({ passthrough: true }) response: unknown) {
    setResponseHeader(response, 'WWW-Authenticate', 'Bearer realm="api", error="invalid_token"');
    throw new ProblemException({
      kind: 'invalid-token',
      status: 401,
      title: 'Invalid Token',
      detail: 'The access token is not valid.',
      reason: 'signature mismatch for kid k1',
    });
  }
}

@Module({ controllers: [FixtureController] })
export class FixtureModule {}
