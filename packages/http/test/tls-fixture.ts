import { getPeer } from '@bulwark/core';
import { Controller, Get, Module, Req } from '@nestjs/common';

@Controller()
export class PeerController {
  @Get('whoami')
  whoami(@Req() request: unknown) {
    return { peer: getPeer(request) ?? null };
  }

  @Get(':tenant/orders')
  tenantOrders() {
    return { orders: [] };
  }

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}

@Module({ controllers: [PeerController] })
export class PeerModule {}
