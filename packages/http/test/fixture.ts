import { ProblemException, setResponseHeader } from '@bulwark/core';
import { Body, Controller, Get, Headers, Module, Post, Req, Res } from '@nestjs/common';

@Controller()
export class FixtureController {
  @Get('public')
  publicRoute() {
    return { ok: true };
  }

  @Post('echo')
  echo(@Body() body: unknown) {
    return { received: body };
  }

  @Get('private')
  privateRoute(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) response: unknown,
  ) {
    if (authorization !== 'Bearer good') {
      setResponseHeader(
        response,
        'WWW-Authenticate',
        authorization ? 'Bearer realm="api", error="invalid_token"' : 'Bearer realm="api"',
      );
      throw new ProblemException({ kind: 'unauthorized', status: 401, title: 'Unauthorized' });
    }
    return { mine: true };
  }

  @Get('boom')
  boom() {
    throw new TypeError("Cannot read properties of undefined (reading 'id') at /app/dist/x.js:1:2");
  }

  @Get('ip')
  ip(@Req() request: { ip?: string }) {
    return { ip: request.ip };
  }
}

@Module({ controllers: [FixtureController] })
export class FixtureModule {}
