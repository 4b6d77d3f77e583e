import { Public } from '@bulwark/core';
import { Controller, Get, Module } from '@nestjs/common';

@Controller()
export class StatusController {
  @Public()
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}

/** The example's root module. */
@Module({ controllers: [StatusController] })
export class AppModule {}
