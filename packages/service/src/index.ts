export { BulwarkModule } from './bulwark.module.js';
export { createService, startService } from './create-service.js';
export type { BulwarkServiceOptions, CreateServiceOptions } from './service-options.interface.js';
