import { BulwarkConfigError } from '@bulwark/core';
import {
  type DynamicModule,
  type FactoryProvider,
  Logger,
  Module,
  type ModuleMetadata,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { serviceClientToken } from './client.constants.js';
import type { ServiceClientOptions } from './client-options.interface.js';
import { resolveClientOptions } from './internal/resolve-options.js';
import { buildServiceClient, type ServiceClient } from './service-client.js';

/**
 * Options of {@link ClientModule.forRootAsync}: the client's name, known at import time, and a
 * factory for the rest.
 *
 * @example
 * ```ts
 * ClientModule.forRootAsync({
 *   name: 'orders',
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ baseUrl: config.getOrThrow('ORDERS_URL') }),
 * });
 * ```
 */
export interface ClientModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** The client's name, for `@InjectServiceClient(name)`. */
  name: string;
  /** Builds the options (without `name`). */
  useFactory: (
    ...args: never[]
  ) => Omit<ServiceClientOptions, 'name'> | Promise<Omit<ServiceClientOptions, 'name'>>;
  /** Providers passed to the factory. */
  inject?: FactoryProvider['inject'];
}

const logger = new Logger('ClientModule');

/** Closes a module's clients when the application shuts down. */
class ClientCloser implements OnApplicationShutdown {
  constructor(private readonly clients: readonly ServiceClient[]) {}
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
  }
}

function moduleOf(
  name: string,
  provider: Provider,
  imports: ModuleMetadata['imports'] = [],
): DynamicModule {
  const token = serviceClientToken(name);
  return {
    module: ClientModule,
    imports,
    providers: [
      provider,
      {
        provide: `${token}:closer`,
        inject: [token],
        useFactory: (client: ServiceClient) => new ClientCloser([client]),
      },
    ],
    exports: [token],
  };
}

/**
 * Registers one named service client per import. Import it once for each downstream service.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     ClientModule.register({
 *       name: 'orders',
 *       baseUrl: 'https://orders.shop.svc:8443/v1/',
 *       audience: 'https://orders.shop',
 *       auth: { kind: 'tokenExchange' },
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class ClientModule {
  /**
   * Registers a client. Options are validated here; a bad one fails the app's start-up with its
   * `BulwarkConfigError` naming the option and its environment variable. The error is raised when
   * Nest creates the client, not here: `register()` runs while `app.module.ts` is imported, where
   * an error would escape `startService` as a stack trace instead of its one fatal line.
   */
  static register(options: ServiceClientOptions): DynamicModule {
    let resolved: ReturnType<typeof resolveClientOptions>;
    try {
      resolved = resolveClientOptions(options);
    } catch (error) {
      if (!(error instanceof BulwarkConfigError)) throw error;
      const name = typeof options?.name === 'string' ? options.name : '';
      return moduleOf(name, {
        provide: serviceClientToken(name),
        useFactory: () => {
          throw error;
        },
      });
    }
    return moduleOf(resolved.name, {
      provide: serviceClientToken(resolved.name),
      useFactory: () => buildServiceClient(resolved, (message) => logger.error(message)),
    });
  }

  /** Registers a client whose options come from a factory; they are validated when it runs. */
  static forRootAsync(options: ClientModuleAsyncOptions): DynamicModule {
    const { name } = options;
    return moduleOf(
      name,
      {
        provide: serviceClientToken(name),
        inject: options.inject ?? [],
        useFactory: async (...args: never[]) => {
          const built = await options.useFactory(...args);
          return buildServiceClient(resolveClientOptions({ ...built, name }), (message) =>
            logger.error(message),
          );
        },
      },
      options.imports,
    );
  }
}
