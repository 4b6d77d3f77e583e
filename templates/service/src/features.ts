import type { Type } from '@nestjs/common';
import { NotesModule } from './notes/notes.module.js';

/** The service's own feature modules. Add yours here. */
export const FEATURE_MODULES: Type<unknown>[] = [NotesModule];
