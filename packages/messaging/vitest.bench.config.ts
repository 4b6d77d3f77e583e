import { defineBulwarkVitestConfig } from '../../vitest.shared.js';

// `pnpm bench` (turbo runs each package's bench script): the throughput run, against the same
// throw-away broker the tests use.
export default defineBulwarkVitestConfig({
  include: ['bench/**/*.bench-run.ts'],
  globalSetup: ['test/global-setup.ts'],
  reporters: ['default'],
  testTimeout: 600_000,
});
