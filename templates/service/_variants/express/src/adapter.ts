/** The HTTP adapter this service runs on, chosen when it was generated (`--adapter`). */
export const ADAPTER = 'express' as const;
