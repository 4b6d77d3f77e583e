import { Public } from '@bulwark/core';
import { Controller, Get } from '@nestjs/common';

/**
 * Liveness only: the process answers HTTP. Readiness and startup probes (503 while starting,
 * shutting down, or while Redis is down) come from `@bulwark/health` and `@bulwark/shutdown`.
 */
@Controller('health')
export class HealthController {
  @Public()
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
