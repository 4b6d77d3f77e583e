import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTERS } from '@bulwark/test-harness';
import { afterAll, describe, expect, it } from 'vitest';

const entry = new URL('../dist/index.js', import.meta.url).href;
/** Fewer bytes of access lines than the 4 KiB buffer: nothing is written before a flush. */
const REQUESTS = 8;

/**
 * An app as a generated service runs it: standard output is the log, lines wait in the buffer
 * for up to 10 s, so only a flush at the end of the process can have written them.
 */
const script = (adapter: string, ending: string) => `
  import 'reflect-metadata';
  import { Controller, Get, Module } from '@nestjs/common';
  import { NestFactory } from '@nestjs/core';
  import { ${adapter === 'express' ? 'ExpressAdapter as Adapter' : 'FastifyAdapter as Adapter'} } from '@nestjs/platform-${adapter}';
  import { LoggingModule } from ${JSON.stringify(entry)};

  class NotesController {
    get() { return { ok: true }; }
    crash() {
      setTimeout(() => { throw new Error('crashed on purpose'); }, 50);
      return { crashing: true };
    }
  }
  Get('notes')(NotesController.prototype, 'get', Object.getOwnPropertyDescriptor(NotesController.prototype, 'get'));
  Get('crash')(NotesController.prototype, 'crash', Object.getOwnPropertyDescriptor(NotesController.prototype, 'crash'));
  Controller()(NotesController);
  class AppModule {}
  Module({ imports: [LoggingModule.forRoot({ flushIntervalMs: 10000, nestLogger: false })], controllers: [NotesController] })(AppModule);

  const app = await NestFactory.create(AppModule, new Adapter(), { logger: false });
  ${ending}
  await app.listen(0, '127.0.0.1');
  process.stderr.write('ready ' + app.getHttpServer().address().port + '\\n');
`;

/** Nest's own shutdown hooks: the app closes, then the signal is raised again (no exit event). */
const NEST_SHUTDOWN_HOOKS = 'app.enableShutdownHooks();';
/** As @bulwark/shutdown does it: the app closes, then process.exit. */
const CLOSE_THEN_EXIT = `process.once('SIGTERM', () => app.close().then(() => process.exit(0)));`;

function start(source: string, logFile: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    cwd: new URL('..', import.meta.url),
    stdio: ['ignore', openSync(logFile, 'w'), 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
      const ready = /ready (\d+)/.exec(errors);
      if (ready) resolve({ child, port: Number(ready[1]) });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before ready: ${errors}`)));
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function sendRequests(port: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < REQUESTS; index++) {
    const id = `buffered-${index}`;
    const response = await fetch(`http://127.0.0.1:${port}/notes`, {
      headers: { 'x-request-id': id },
    });
    expect(response.status).toBe(200);
    ids.push(id);
  }
  return ids;
}

function accessIds(logFile: string): string[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { event?: { kind?: string }; requestId?: string })
    .filter((line) => line.event?.kind === 'http.access')
    .map((line) => line.requestId as string);
}

describe.each(ADAPTERS)('buffered standard output on %s', (adapter) => {
  const folder = mkdtempSync(join(tmpdir(), 'bulwark-buffered-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('leaves every access line in the log when SIGTERM ends the app through Nest shutdown hooks', async () => {
    const logFile = join(folder, 'nest-hooks.log');
    const { child, port } = await start(script(adapter, NEST_SHUTDOWN_HOOKS), logFile);
    const ids = await sendRequests(port);
    // Still in the buffer: what is in the file at the end was written by the flush.
    expect(accessIds(logFile)).toEqual([]);
    const end = exited(child);
    child.kill('SIGTERM');
    expect((await end).signal).toBe('SIGTERM');
    expect(accessIds(logFile)).toEqual(ids);
  });

  it('leaves every access line in the log when SIGTERM closes the app and the process exits', async () => {
    const logFile = join(folder, 'exit.log');
    const { child, port } = await start(script(adapter, CLOSE_THEN_EXIT), logFile);
    const ids = await sendRequests(port);
    const end = exited(child);
    child.kill('SIGTERM');
    expect((await end).code).toBe(0);
    expect(accessIds(logFile)).toEqual(ids);
  });

  it('leaves every access line in the log when an uncaught exception crashes the process', async () => {
    const logFile = join(folder, 'crash.log');
    const { child, port } = await start(script(adapter, ''), logFile);
    const ids = await sendRequests(port);
    const end = exited(child);
    const crash = await fetch(`http://127.0.0.1:${port}/crash`, {
      headers: { 'x-request-id': 'crash-1' },
    });
    expect(crash.status).toBe(200);
    expect((await end).code).toBe(1);
    expect(accessIds(logFile)).toEqual([...ids, 'crash-1']);
  });
});

describe('buffered standard output', () => {
  const folder = mkdtempSync(join(tmpdir(), 'bulwark-buffered-fatal-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('writes the buffer out at a fatal line, while the process still runs', async () => {
    const logFile = join(folder, 'fatal.log');
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        import { createLogger } from ${JSON.stringify(entry)};
        const logger = createLogger({ flushIntervalMs: 10000 });
        for (let i = 0; i < 5; i++) logger.info({ i }, 'before');
        logger.fatal('giving up');
        process.stderr.write('logged\\n');
        setInterval(() => {}, 1000);
        `,
      ],
      { stdio: ['ignore', openSync(logFile, 'w'), 'pipe'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('logged')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n');
      expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
        ...Array.from({ length: 5 }, () => 'before'),
        'giving up',
      ]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
