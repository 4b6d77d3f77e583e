import type { Type } from '@nestjs/common';

/** The service's own feature modules. Add yours here. */
export const FEATURE_MODULES: Type<unknown>[] = [];
