import { type DynamicModule, Injectable, Module, type Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { describe, it } from 'vitest';
import {
  type ExpectedConfigError,
  expectConfigError,
  expectConfigRejection,
} from './config-error.js';

/** A module with NestJS's `ConfigurableModuleBuilder` shape: `forRoot` and `forRootAsync`. */
export interface RegistrableModule<Options> {
  forRoot(options?: Options): DynamicModule;
  forRootAsync(options: {
    imports?: unknown[];
    inject?: unknown[];
    useFactory?: (...args: never[]) => Options | Promise<Options>;
    useClass?: Type<unknown>;
    useExisting?: Type<unknown>;
  }): DynamicModule;
}

/** Options the module must refuse, and what its `BulwarkConfigError` says. */
export interface InvalidRegistration<Options> extends ExpectedConfigError {
  /** The refused options; cast them when they are of the wrong type on purpose. */
  readonly options: Options;
}

/**
 * The package's `Inject<Pkg>Options()` as an application uses it (CONTRIBUTING.md, "Module
 * layout"): in a provider declared in the application's own module, not in the package's.
 */
export interface InjectedOptions<Options, Resolved> {
  /** The package's `Inject<Pkg>Options` decorator factory. */
  readonly decorator: () => ParameterDecorator;
  /**
   * Options for these two cases, when the shared `options` set every field and so leave no
   * default for `check` to see filled in.
   * @default the registration's `options`
   */
  readonly options?: Options;
  /**
   * Asserts what the application's provider received for the registered `options`: the
   * resolved options, with a default the options left unset filled in.
   */
  readonly check: (resolved: Resolved, options: Options) => unknown;
}

/** What {@link describeModuleRegistration} registers and checks. */
export interface ModuleRegistration<Options, Resolved = unknown> {
  /** The module under test. */
  readonly module: RegistrableModule<Options>;
  /**
   * Valid options, other than the defaults, that every registration path passes; a function when
   * they are only known once a `beforeAll` has run (a test issuer's URL).
   */
  readonly options: Options | (() => Options);
  /**
   * The options factory's method, as the module's builder names it (`setFactoryMethodName`).
   * @default 'create'
   */
  readonly factoryMethodName?: string;
  /**
   * The spec's own class implementing the package's `<Pkg>OptionsFactory` (CONTRIBUTING.md,
   * "Module layout"), whose `factoryMethodName` method returns `options`. `forRootAsync` takes it
   * as `useClass` and `useExisting`, and `useFactory` injects it, so the registration is checked
   * through the interface an application implements.
   * @default a class made here, with a `factoryMethodName` method returning `options`
   */
  readonly optionsFactory?: Type<unknown>;
  /**
   * Asserts that the started module took `options`: reads its options token, or uses what the
   * options built (a verifier verifying a token, a limiter's policy). Runs for every path.
   */
  readonly check: (moduleRef: TestingModule, options: Options) => unknown;
  /** When given, `forRoot()` without options is registered too and this asserts the defaults. */
  readonly checkDefaults?: (moduleRef: TestingModule) => unknown;
  /**
   * Options each path must refuse: `forRoot` at registration, `forRootAsync` (useFactory) when
   * the module starts, both with a `BulwarkConfigError` saying what the entry expects.
   */
  readonly invalid?: readonly InvalidRegistration<Options>[];
  /**
   * Whether the module is initialised (`moduleRef.init()`) before `check`.
   * @default true
   */
  readonly init?: boolean;
  /**
   * When given, an application module imports `forRoot(options)`, then `forRootAsync`
   * (`useFactory`), and a provider of its own injects `injected.decorator()`: start-up must
   * resolve it (the module exports the resolved options) and `injected.check` asserts the value.
   */
  readonly injected?: InjectedOptions<Options, Resolved>;
  /** A timeout for each test, in milliseconds, for modules slow to start (an embedded database). */
  readonly timeout?: number;
}

function optionsProvider(method: string, options: () => unknown): Type<unknown> {
  class RegistrationOptions {}
  Object.defineProperty(RegistrationOptions.prototype, method, { value: () => options() });
  Injectable()(RegistrationOptions);
  return RegistrationOptions;
}

function providerModule(provider: Type<unknown>): Type<unknown> {
  class RegistrationOptionsModule {}
  Module({ providers: [provider], exports: [provider] })(RegistrationOptionsModule);
  return RegistrationOptionsModule;
}

/** A provider of the application's own whose constructor takes `decorator()`'s injection. */
function optionsReader(decorator: () => ParameterDecorator): Type<{ readonly options: unknown }> {
  class ApplicationOptionsReader {
    constructor(readonly options: unknown) {}
  }
  decorator()(ApplicationOptionsReader, undefined, 0);
  Injectable()(ApplicationOptionsReader);
  return ApplicationOptionsReader;
}

/** An application's root module: it imports the registered module and declares `provider`. */
function applicationModule(registered: DynamicModule, provider: Type<unknown>): Type<unknown> {
  class ApplicationModule {}
  Module({ imports: [registered], providers: [provider] })(ApplicationModule);
  return ApplicationModule;
}

async function start(module: DynamicModule | Type<unknown>, init: boolean): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  if (init) await moduleRef.init();
  return moduleRef;
}

/**
 * Declares the registration tests every Bulwark module shares (see STYLE.md: test every
 * registration path): `forRoot(options)`, `forRootAsync` with `useFactory` and `inject`, with
 * `useClass` and with `useExisting`, each started and checked with `check`; `forRoot()` with
 * no options when `checkDefaults` is given; when `injected` is given, the resolved options
 * reaching an application's own provider through `Inject<Pkg>Options()` after `forRoot` and
 * `forRootAsync`; and every `invalid` entry refused by `forRoot` at registration and by
 * `forRootAsync` at start-up. Call it at the top level of a spec file.
 *
 * @example
 * ```ts
 * describeModuleRegistration<HealthModuleOptions, ResolvedHealthOptions>('HealthModule', {
 *   module: HealthModule,
 *   options: { checkTimeoutMs: 250 },
 *   factoryMethodName: 'createHealthOptions',
 *   optionsFactory: HealthConfig, // @Injectable() class HealthConfig implements HealthOptionsFactory
 *   check: (moduleRef, options) => expect(moduleRef.get(HEALTH_OPTIONS)).toEqual(options),
 *   injected: {
 *     decorator: InjectHealthOptions,
 *     check: (resolved) => expect(resolved).toMatchObject({ checkTimeoutMs: 250, cacheTtlMs: 1000 }),
 *   },
 *   invalid: [{ options: { checkTimeoutMs: 0 }, setting: 'checkTimeoutMs' }],
 * });
 * ```
 */
export function describeModuleRegistration<Options, Resolved = unknown>(
  name: string,
  registration: ModuleRegistration<Options, Resolved>,
): void {
  const {
    module,
    check,
    checkDefaults,
    injected,
    invalid = [],
    init = true,
    timeout,
  } = registration;
  const options = (): Options =>
    typeof registration.options === 'function'
      ? (registration.options as () => Options)()
      : registration.options;
  const method = registration.factoryMethodName ?? 'create';
  const Provider = registration.optionsFactory ?? optionsProvider(method, options);
  const ProviderModule = providerModule(Provider);

  async function expectRegistered(dynamic: DynamicModule): Promise<void> {
    const moduleRef = await start(dynamic, init);
    try {
      await check(moduleRef, options());
    } finally {
      await moduleRef.close();
    }
  }

  describe(`${name} registration`, () => {
    if (checkDefaults !== undefined) {
      it('forRoot() without options applies the defaults', { timeout }, async () => {
        const moduleRef = await start(module.forRoot(), init);
        try {
          await checkDefaults(moduleRef);
        } finally {
          await moduleRef.close();
        }
      });
    }

    it('forRoot(options) takes the options', { timeout }, () =>
      expectRegistered(module.forRoot(options())),
    );

    it('forRootAsync takes the options from useFactory with inject', { timeout }, () =>
      expectRegistered(
        module.forRootAsync({
          imports: [ProviderModule],
          inject: [Provider],
          useFactory: ((provider: Record<string, () => Options>) => provider[method]?.()) as never,
        }),
      ),
    );

    it(`forRootAsync takes the options from useClass (${method}())`, { timeout }, () =>
      expectRegistered(module.forRootAsync({ useClass: Provider })),
    );

    it('forRootAsync takes the options from useExisting', { timeout }, () =>
      expectRegistered(module.forRootAsync({ imports: [ProviderModule], useExisting: Provider })),
    );

    if (injected !== undefined) {
      const Reader = optionsReader(injected.decorator);
      const injectedOptions = (): Options => injected.options ?? options();
      const decorator = `@${injected.decorator.name || 'Inject<Pkg>Options'}()`;
      const registrations: [string, () => DynamicModule][] = [
        ['forRoot', () => module.forRoot(injectedOptions())],
        ['forRootAsync', () => module.forRootAsync({ useFactory: () => injectedOptions() })],
      ];
      for (const [path, register] of registrations) {
        it(`an application's own provider gets the resolved options from ${decorator} (${path})`, {
          timeout,
        }, async () => {
          const moduleRef = await start(applicationModule(register(), Reader), init);
          try {
            await injected.check(moduleRef.get(Reader).options as Resolved, injectedOptions());
          } finally {
            await moduleRef.close();
          }
        });
      }
    }

    for (const entry of invalid) {
      const { options: refused, ...expected } = entry;
      const label = expected.setting ?? String(expected.message);
      it(`forRoot refuses invalid options at registration (${label})`, () => {
        expectConfigError(() => module.forRoot(refused), expected);
      });

      it(
        `forRootAsync refuses invalid options when the module starts (${label})`,
        { timeout },
        () =>
          expectConfigRejection(async () => {
            const moduleRef = await start(module.forRootAsync({ useFactory: () => refused }), true);
            await moduleRef.close();
          }, expected).then(() => undefined),
      );
    }
  });
}
