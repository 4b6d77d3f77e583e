import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** The text of every non-spec source file under `src/`. */
function sourceText(): string {
  return readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => readFileSync(join(ROOT, 'src', file), 'utf8'))
    .join('\n');
}

describe('@bulwark/authz package.json', () => {
  it('lists as runtime dependencies only packages its source loads', () => {
    const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const text = sourceText();
    const loads = (name: string): boolean =>
      text.includes(`'${name}'`) || text.includes(`'${name}/`) || text.includes(`('${name}')`);
    const unused = Object.keys(dependencies).filter((name) => !loads(name));
    expect(unused).toEqual([]);
  });
});
