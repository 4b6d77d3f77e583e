import { CurrentPrincipal } from '@bulwark/auth';
import { Authorize, LoadedResource, RequireRoles, RequireScopes } from '@bulwark/authz';
import { ownerPolicy } from '@bulwark/authz/policies';
import { Public } from '@bulwark/core';
import { Body, Controller, Get, Post } from '@nestjs/common';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { type Order, OrderLoader, OrdersStore } from './orders.store.js';

export class CreateOrderDto {
  @IsString()
  item!: string;

  @IsInt()
  @Min(1)
  @Max(100)
  quantity!: number;
}

/** The part of the Bulwark principal this app reads (identity is `iss|sub`). */
interface Principal {
  readonly id: string;
}

/** An app's existing controller: only the decorators are new. */
@Controller()
export class OrdersController {
  constructor(private readonly store: OrdersStore) {}

  @Public()
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @RequireScopes('orders:read')
  @Get('orders')
  list(@CurrentPrincipal() principal: Principal): Order[] {
    return this.store.ownedBy(principal.id);
  }

  @RequireScopes('orders:write')
  @Post('orders')
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateOrderDto): Order {
    return this.store.create(principal.id, body.item, body.quantity);
  }

  @RequireScopes('orders:read')
  @Authorize({ action: 'orders:read', load: OrderLoader, policy: ownerPolicy() })
  @Get('orders/:id')
  get(@LoadedResource() order: Order): Order {
    return order;
  }

  @RequireRoles('admin')
  @Get('admin/orders')
  all(): Order[] {
    return this.store.all();
  }
}
