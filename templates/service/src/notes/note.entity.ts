/** A note, as stored. Only the fields of `NoteView` are ever sent to a client. */
export interface Note {
  /** A UUID version 7: ids sort in creation order. */
  readonly id: string;
  /** The principal id (`iss|sub`) of the caller who created it: `ownerPolicy()` compares it. */
  readonly ownerId: string;
  readonly title: string;
  readonly body: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One page of notes, oldest first. */
export interface NotePage {
  readonly items: readonly Note[];
  /** The page size used, after the cap. */
  readonly limit: number;
  /** The cursor of the next page (pass it as `after`), or `null` on the last page. */
  readonly next: string | null;
}
