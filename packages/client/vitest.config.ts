import { defineBulwarkVitestConfig } from '../../vitest.shared.js';

export default defineBulwarkVitestConfig();
