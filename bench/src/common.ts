import type { INestApplication } from '@nestjs/common';

/** Settings every bench app reads from its environment (set by run.mjs). */
export const settings = {
  adapter: process.env.BENCH_ADAPTER === 'express' ? ('express' as const) : ('fastify' as const),
  issuer: process.env.BENCH_ISSUER ?? '',
  audience: process.env.BENCH_AUDIENCE ?? '',
  jwks: process.env.BENCH_JWKS ?? '{"keys":[]}',
  pem: process.env.BENCH_PEM ?? '',
};

/** Listens on a free loopback port and tells run.mjs on stdout: `{"listening":<port>}`. */
export async function listen(app: INestApplication): Promise<void> {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`${JSON.stringify({ listening: port })}\n`);
  // A normal exit, so that --cpu-prof writes its profile.
  process.once('SIGINT', () => {
    app.close().finally(() => process.exit(0));
  });
}

/** The item every variant serves: owned by the bench principal. */
export function itemFor(id: string, ownerId: string) {
  return { id, ownerId, name: `item ${id}`, price: 42 };
}
