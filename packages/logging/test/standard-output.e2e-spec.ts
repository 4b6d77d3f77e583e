import { execFileSync } from 'node:child_process';
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
});
