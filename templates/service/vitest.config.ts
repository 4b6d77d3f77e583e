import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC keeps `emitDecoratorMetadata`, which NestJS needs to inject by type; esbuild drops it.
export default defineConfig({
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
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    // Each test service opens its own in-memory PGlite, which takes seconds on a busy machine.
    hookTimeout: 60_000,
  },
});
