import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AdapterName } from './adapters.js';

/** Options of {@link bootstrap}. */
export interface BootstrapOptions {
  /** Which HTTP adapter to run on. */
  adapter: AdapterName;
  /** Runs after the app is created and before it listens: filters, pipes, hooks. */
  configure?: (app: INestApplication) => void | Promise<void>;
  /** Keep Nest's own logger; by default tests run quiet. */
  logger?: boolean;
}

/** A listening test app. */
export interface RunningApp {
  /** The Nest application. */
  readonly app: INestApplication;
  /** The base URL, such as `http://127.0.0.1:43121`, with no trailing slash. */
  readonly url: string;
  /** Closes the app and its listener. */
  close(): Promise<void>;
}

/** Creates the adapter instance for a name. */
export function createAdapter(adapter: AdapterName): ExpressAdapter | FastifyAdapter {
  return adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter();
}

/**
 * Creates a Nest app from a module on the chosen adapter (or takes an app already created),
 * listens on port 0 on loopback, and returns its base URL.
 *
 * @example
 * ```ts
 * describe.each(ADAPTERS)('%s', (adapter) => {
 *   let running: RunningApp;
 *   beforeAll(async () => { running = await bootstrap(AppModule, { adapter }); });
 *   afterAll(() => running.close());
 *   it('answers', async () => expect((await fetch(`${running.url}/ping`)).status).toBe(200));
 * });
 * ```
 */
export async function bootstrap(
  moduleOrApp: Type<unknown> | INestApplication,
  options: BootstrapOptions,
): Promise<RunningApp> {
  const app =
    typeof moduleOrApp === 'function'
      ? await NestFactory.create(moduleOrApp, createAdapter(options.adapter), {
          logger: options.logger ? undefined : false,
          abortOnError: false,
        })
      : moduleOrApp;
  await options.configure?.(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}
