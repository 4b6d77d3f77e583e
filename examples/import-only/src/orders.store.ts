import { randomUUID } from 'node:crypto';
import type { AuthorizationContext } from '@bulwark/authz/policies';
import { Injectable } from '@nestjs/common';

export interface Order {
  id: string;
  ownerId: string;
  item: string;
  quantity: number;
}

/** The app's existing data access (in memory here). */
@Injectable()
export class OrdersStore {
  private readonly orders = new Map<string, Order>();

  create(ownerId: string, item: string, quantity: number): Order {
    const order = { id: randomUUID(), ownerId, item, quantity };
    this.orders.set(order.id, order);
    return order;
  }
  get(id: string): Order | undefined {
    return this.orders.get(id);
  }
  ownedBy(ownerId: string): Order[] {
    return [...this.orders.values()].filter((o) => o.ownerId === ownerId);
  }
  all(): Order[] {
    return [...this.orders.values()];
  }
}

/** Loads the order named by `:id` once, for the owner policy and the handler. */
@Injectable()
export class OrderLoader {
  constructor(private readonly store: OrdersStore) {}
  load({ params }: AuthorizationContext): Order | undefined {
    return this.store.get(params.id ?? '');
  }
}
