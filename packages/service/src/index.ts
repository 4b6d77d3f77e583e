// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { BulwarkModule } from './bulwark.module.js';
export type { BulwarkServiceOptions } from './service-options.interface.js';

// Starting a service
export { createService, startService } from './create-service.js';
export type { CreateServiceOptions } from './service-options.interface.js';
