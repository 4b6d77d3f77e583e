/** The injection token of the clock the notes service stamps times with. */
export const NOTES_CLOCK = 'NOTES:CLOCK';

/** A clock; tests inject a fixed one. */
export type Clock = () => Date;
