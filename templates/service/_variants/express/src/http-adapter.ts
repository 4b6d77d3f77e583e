import { ExpressAdapter } from '@nestjs/platform-express';

/** The HTTP adapter this service runs on, chosen when it was generated. */
export const ADAPTER = 'express';

/** Creates the HTTP adapter instance. */
export function createHttpAdapter(): ExpressAdapter {
  return new ExpressAdapter();
}
