import { Public } from '@bulwark/core';
import { ROUTE_METADATA } from '@bulwark/core/pipeline';
import { Controller, Get, Res, SetMetadata, type Type } from '@nestjs/common';
import { HealthCheck } from '@nestjs/terminus';
import { HealthService, type ProbeAnswer, type ProbeBody } from './health.service.js';

/** The part of an Express response or Fastify reply the probes use. */
interface StatusSettable {
  status(code: number): unknown;
}

function answer(response: StatusSettable, probe: ProbeAnswer): ProbeBody {
  response.status(probe.statusCode);
  return probe.body;
}

/**
 * Builds the probe controller for a path prefix. The routes are public and exempt from rate
 * limiting: the kubelet presents no token, and a throttled probe would pull a healthy pod.
 */
export function createHealthController(path: string): Type<unknown> {
  @Public()
  @SetMetadata(ROUTE_METADATA.skipRateLimit, true)
  @Controller(path)
  class HealthController {
    constructor(private readonly health: HealthService) {}

    @Get('live')
    @HealthCheck({ noCache: true, swaggerDocumentation: false })
    live(@Res({ passthrough: true }) response: StatusSettable): ProbeBody {
      return answer(response, this.health.liveness());
    }

    @Get('ready')
    @HealthCheck({ noCache: true, swaggerDocumentation: false })
    async ready(@Res({ passthrough: true }) response: StatusSettable): Promise<ProbeBody> {
      return answer(response, await this.health.readiness());
    }

    @Get('startup')
    @HealthCheck({ noCache: true, swaggerDocumentation: false })
    async startup(@Res({ passthrough: true }) response: StatusSettable): Promise<ProbeBody> {
      return answer(response, await this.health.startup());
    }
  }
  return HealthController;
}
