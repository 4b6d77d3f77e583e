import { defineBulwarkVitestConfig } from '../../vitest.shared.js';

// One broker for the whole run; the files share it, one at a time (one stops and starts it).
export default defineBulwarkVitestConfig({
  globalSetup: ['test/global-setup.ts'],
  fileParallelism: false,
  testTimeout: 60_000,
});
