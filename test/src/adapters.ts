/** The HTTP adapters every Bulwark package is tested on. */
export const ADAPTERS = ['express', 'fastify'] as const;

/** One of {@link ADAPTERS}. */
export type AdapterName = (typeof ADAPTERS)[number];
