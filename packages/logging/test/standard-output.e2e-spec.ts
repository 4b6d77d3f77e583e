import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const entry = new URL('../dist/index.js', import.meta.url).href;
const LINES = 20_000;
const TEXT = 'héllo ✓ 日本 🚀 '.repeat(20);

/** A process that logs LINES lines to standard output with the default destination. */
const script = (ending: string) => `
  import { createLogger } from ${JSON.stringify(entry)};
  const logger = createLogger({ base: { service: 'out' } });
  for (let i = 0; i < ${LINES}; i++) logger.info({ i, text: ${JSON.stringify(TEXT)} }, 'line');
  ${ending}`;

function expectEveryLine(output: string): void {
  const lines = output.trimEnd().split('\n');
  expect(lines).toHaveLength(LINES);
  const parsed = lines.map((line) => JSON.parse(line) as { i: number; text: string });
  expect(parsed.map((line) => line.i)).toEqual(Array.from({ length: LINES }, (_, i) => i));
  expect(parsed.every((line) => line.text === TEXT)).toBe(true);
}

describe('the default destination (standard output)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'bulwark-stdout-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('writes every line, whole and in order, to a pipe', () => {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script('')], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expectEveryLine(output);
  });

  it('writes every line still queued when the process exits at once', () => {
    const file = join(folder, 'exit.log');
    execFileSync(process.execPath, ['--input-type=module', '-e', script('process.exit(0);')], {
      stdio: ['ignore', openSync(file, 'w'), 'inherit'],
    });
    expectEveryLine(readFileSync(file, 'utf8'));
  });

  // With LOG_FLUSH_INTERVAL_MS=0 (the default) a line is not held for a flush: a process that
  // logs one line and then idles has written it while it still runs.
  it.each([
    ['unset', undefined],
    ['0', '0'],
  ])('writes a line while the process runs with LOG_FLUSH_INTERVAL_MS %s', async (_name, value) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.LOG_FLUSH_INTERVAL_MS;
    if (value !== undefined) env.LOG_FLUSH_INTERVAL_MS = value;
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createLogger } from ${JSON.stringify(entry)};
        createLogger().info('one line');
        setInterval(() => {}, 1000);`,
      ],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          if (output.includes('\n')) resolve(output);
        });
        child.on('exit', () => reject(new Error(`exited before writing: ${output}`)));
      });
      expect(JSON.parse(line)).toMatchObject({ level: 'info', msg: 'one line' });
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
    }
  });
});
