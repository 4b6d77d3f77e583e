import swc from 'unplugin-swc';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * The one Vitest configuration every workspace package uses.
 *
 * SWC compiles the TypeScript so that `emitDecoratorMetadata` survives: NestJS resolves
 * constructor parameters from `design:paramtypes`, which esbuild (Vite's default) drops.
 */
export function defineBulwarkVitestConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    oxc: false,
    esbuild: false,
    plugins: [
      swc.vite({
        jsc: {
          target: 'es2023',
          parser: { syntax: 'typescript', decorators: true },
          transform: {
            legacyDecorator: true,
            decoratorMetadata: true,
            useDefineForClassFields: false,
          },
          keepClassNames: true,
        },
      }),
    ],
    test: {
      include: ['src/**/*.spec.ts', 'test/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
      environment: 'node',
      pool: 'forks',
      reporters: ['default', 'json'],
      outputFile: { json: 'test-results/vitest.json' },
      testTimeout: 20_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
