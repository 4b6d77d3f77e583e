import { SetMetadata } from '@nestjs/common';
import type { ConsumeOptions } from './messaging.types.js';

/** The metadata key {@link Consume} sets on a method. */
export const CONSUME_METADATA = 'bulwark:messaging:consume';

/**
 * Makes a provider method the handler of one message type on a queue. The method receives the
 * validated payload and the verified {@link ConsumedMessage}; the message is acked only after it
 * returns, retried when it throws, and dead-lettered after `maxAttempts`.
 *
 * Deny by default: a handler without `producers`, or without `dto` / `validate`, stops
 * start-up with its name.
 *
 * @example
 * ```ts
 * @Injectable()
 * class Invoicing {
 *   @Consume({
 *     queue: 'billing.orders',
 *     exchange: 'orders.events',
 *     type: 'order.created',
 *     producers: ['spiffe://cluster.local/ns/orders/sa/orders'],
 *     dto: OrderCreated,
 *     requires: { scopes: ['orders:write'] },
 *   })
 *   async onOrderCreated(order: OrderCreated, message: ConsumedMessage) {}
 * }
 * ```
 */
export function Consume<T>(options: ConsumeOptions<T>): MethodDecorator {
  return SetMetadata(CONSUME_METADATA, options);
}
