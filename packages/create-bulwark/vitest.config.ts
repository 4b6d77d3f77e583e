import { defineBulwarkVitestConfig } from '../../vitest.shared.js';

// The generation and image tests each install and build whole services: one file at a time.
export default defineBulwarkVitestConfig({
  fileParallelism: false,
  testTimeout: 600_000,
  hookTimeout: 1_200_000,
});
