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

  @Get('teapot')
  teapot() {
    throw new HttpException({ message: INTERNAL_MESSAGE }, 418);
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
