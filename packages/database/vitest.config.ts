import { defineBulwarkVitestConfig } from '../../vitest.shared.js';

export default defineBulwarkVitestConfig({ globalSetup: ['test/global-setup.ts'] });
