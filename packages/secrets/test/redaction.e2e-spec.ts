import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InjectPinoLogger, LoggingModule } from '@bulwark/logging';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Controller, Get, Logger, Module, type Type } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SecretsModule } from '../src/secrets.module.js';
import { SecretsService } from '../src/secrets.service.js';

/** Keeps every line @bulwark/logging writes. */
class CapturedLines {
  private readonly raw: string[] = [];

  write(line: string): boolean {
    this.raw.push(line);
    return true;
  }

  get text(): string {
    return this.raw.join('');
  }

  get lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

@Controller('db')
class DbController {
  private readonly logger = new Logger('DbController');

  constructor(
    private readonly secrets: SecretsService,
    @InjectPinoLogger() private readonly pino: PinoLogger,
  ) {}

  // Careless application logging: the secret in a Nest log message, in a structured field,
  // and in an unhandled error that Nest's exception handler logs with its stack.
  @Get('connect')
  connect() {
    const dsn = `postgres://app:${this.secrets.get('DB_PASSWORD')}@db:5432/app`;
    this.logger.log(`connecting to ${dsn}`);
    this.pino.info({ pool: { dsn, size: 4 } }, 'pool configured');
    return { connected: true };
  }

  @Get('fail')
  fail(): never {
    throw new Error(`login failed with ${this.secrets.get('DB_PASSWORD')}`);
  }
}

function appModule(directory: string, captured: CapturedLines): Type<unknown> {
  @Module({
    imports: [
      SecretsModule.forRoot({
        required: ['DB_PASSWORD'],
        directories: [directory],
        env: {},
        watchDebounceMs: 20,
      }),
      LoggingModule.forRoot({ destination: captured, level: 'debug' }),
    ],
    controllers: [DbController],
  })
  class AppModule {}
  return AppModule;
}

describe.each(ADAPTERS)('a mounted secret in the logs of LoggingModule on %s', (adapter) => {
  // Values differ per adapter: the registry is process-wide, and the second run must prove
  // its own registration.
  const firstValue = `mounted-db-password-${adapter}-v1`;
  const rotatedValue = `mounted-db-password-${adapter}-v2`;
  const captured = new CapturedLines();
  let dir: string;
  let running: RunningApp;

  const accessLine = (requestId: string) =>
    vi.waitFor(
      () => {
        const line = captured.lines.find(
          (entry) =>
            (entry.event as { kind?: string } | undefined)?.kind === 'http.access' &&
            entry.requestId === requestId,
        );
        if (!line) throw new Error(`no access line for ${requestId}`);
        return line;
      },
      { timeout: 2_000, interval: 10 },
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `bulwark-secrets-logging-${adapter}-`));
    await writeFile(join(dir, 'db-password'), `${firstValue}\n`);
    running = await bootstrap(appModule(dir, captured), { adapter });
  });

  afterAll(async () => {
    await running?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('hides the secret in application logs, structured fields and access lines', async () => {
    const response = await fetch(`${running.url}/db/connect`, {
      headers: { 'x-request-id': `connect-${adapter}` },
    });
    expect(response.status).toBe(200);
    expect(await accessLine(`connect-${adapter}`)).toMatchObject({
      route: '/db/connect',
      status: 200,
    });

    expect(captured.text).not.toContain(firstValue);
    const lines = captured.lines;
    expect(lines).toContainEqual(
      expect.objectContaining({
        context: 'DbController',
        msg: 'connecting to postgres://app:[REDACTED]@db:5432/app',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'pool configured',
        pool: { dsn: 'postgres://app:[REDACTED]@db:5432/app', size: 4 },
      }),
    );
  });

  it("hides the secret in the exception handler's error line for a 500", async () => {
    const response = await fetch(`${running.url}/db/fail`, {
      headers: { 'x-request-id': `fail-${adapter}` },
    });
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain(firstValue);
    expect(await accessLine(`fail-${adapter}`)).toMatchObject({ route: '/db/fail', status: 500 });

    expect(captured.text).not.toContain(firstValue);
    const errorLine = captured.lines.find(
      (line) => line.level === 'error' && JSON.stringify(line).includes('login failed with'),
    );
    expect(errorLine).toBeDefined();
    expect(JSON.stringify(errorLine)).toContain('login failed with [REDACTED]');
  });

  it('hides a value rotated in after the logger was created', async () => {
    const secrets = running.app.get(SecretsService);
    const rotated = new Promise<string>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error('no rotation within 5 s')), 5_000);
      const stop = secrets.onRotate('DB_PASSWORD', ({ value }) => {
        clearTimeout(timeout);
        stop();
        resolve(value);
      });
    });
    await writeFile(join(dir, '.db-password.tmp'), rotatedValue);
    await rename(join(dir, '.db-password.tmp'), join(dir, 'db-password'));
    expect(await rotated).toBe(rotatedValue);

    const connect = await fetch(`${running.url}/db/connect`, {
      headers: { 'x-request-id': `rotated-${adapter}` },
    });
    expect(connect.status).toBe(200);
    expect((await fetch(`${running.url}/db/fail`)).status).toBe(500);
    await accessLine(`rotated-${adapter}`);

    expect(captured.text).not.toContain(rotatedValue);
    expect(captured.text).not.toContain(firstValue);
    const connecting = captured.lines.filter(
      (line) => line.msg === 'connecting to postgres://app:[REDACTED]@db:5432/app',
    );
    expect(connecting).toHaveLength(2);
  });
});
