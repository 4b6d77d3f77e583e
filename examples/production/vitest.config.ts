import { defineBulwarkVitestConfig } from '../../vitest.shared.js';

// The notes resource comes from the service template: copied before any test file is read.
export default defineBulwarkVitestConfig({ globalSetup: ['./scripts/notes-from-template.mjs'] });
