/** A note, as stored. Only the fields of `NoteView` are ever sent to a client. */
export interface Note {
  readonly id: string;
  /** The principal id (`iss|sub`) of the caller who created it: `ownerPolicy()` compares it. */
  readonly ownerId: string;
  readonly title: string;
  readonly body: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One page of notes. */
export interface NotePage {
  readonly items: readonly Note[];
  readonly limit: number;
  readonly offset: number;
  readonly total: number;
}
