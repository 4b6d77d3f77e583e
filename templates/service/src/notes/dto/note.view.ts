import { Expose, Type } from 'class-transformer';

/**
 * What a client sees of a note (`@Serialize(NoteView)`): only the `@Expose()`d fields. The
 * owner's id, and any column added to `Note` later, stay on the server.
 */
export class NoteView {
  @Expose() id!: string;
  @Expose() title!: string;
  @Expose() body!: string;
  @Expose() createdAt!: string;
  @Expose() updatedAt!: string;
}

/** One page of notes, each projected onto {@link NoteView}, and the cursor of the next. */
export class NotePageView {
  @Expose()
  @Type(() => NoteView)
  items!: NoteView[];

  @Expose() limit!: number;
  /** Pass as `after` for the next page; `null` on the last one. */
  @Expose() next!: string | null;
}
