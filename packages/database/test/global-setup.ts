import { hasPostgres, type PostgresServer, startPostgres } from '@bulwark/test-harness';
import type { TestProject } from 'vitest/node';

/** What the test files learn about the shared cluster; `undefined` when PostgreSQL is missing. */
export interface SharedPostgres {
  port: number;
  superuserPassword: string;
  caFile: string;
  wrongCaFile: string;
  workDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: SharedPostgres | undefined;
  }
}

let server: PostgresServer | undefined;

/**
 * Starts one throw-away PostgreSQL cluster (TLS with a test CA) for the run. Under CI a missing
 * PostgreSQL fails the run (`hasPostgres` throws) instead of skipping the tests.
 */
export async function setup(project: TestProject): Promise<void> {
  if (!hasPostgres()) {
    project.provide('postgres', undefined);
    return;
  }
  server = await startPostgres();
  project.provide('postgres', {
    port: server.port,
    superuserPassword: server.superuserPassword,
    caFile: server.caFile,
    wrongCaFile: server.wrongCaFile,
    workDir: server.workDir,
  });
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
