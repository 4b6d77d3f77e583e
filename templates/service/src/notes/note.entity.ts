/** A note, as stored and as returned by the API. */
export interface Note {
  readonly id: string;
  /** The principal id (`iss|sub`) of the caller who created it. */
  readonly owner: string;
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
