import { Inject } from '@nestjs/common';

/**
 * The injection token of a named client: `'BULWARK_CLIENT:<name>'`.
 *
 * @example
 * ```ts
 * moduleRef.get(serviceClientToken('orders'));
 * ```
 */
export function serviceClientToken(name: string): string {
  return `BULWARK_CLIENT:${name}`;
}

/**
 * Injects the client registered under `name` with `ClientModule.register()` or
 * `ClientModule.forRootAsync()`.
 *
 * @example
 * ```ts
 * constructor(@InjectServiceClient('orders') private readonly orders: ServiceClient) {}
 * ```
 */
export const InjectServiceClient = (name: string): ParameterDecorator & PropertyDecorator =>
  Inject(serviceClientToken(name));
