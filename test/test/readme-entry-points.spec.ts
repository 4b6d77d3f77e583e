import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiSnapshots, ROOT } from './support/api-snapshots.js';

/** The rows of a README's "Entry points" table: entry point → the text of its row. */
function readmeRows(readme: string): Map<string, string> {
  const section = readme.split(/^## Entry points$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const entry = line.match(/^\| `((?:@bulwark\/|create-bulwark)[\w/-]*)` \|/)?.[1];
    if (entry) rows.set(entry, line);
  }
  return rows;
}

const packages = apiSnapshots().map(({ file, entries }) => ({
  file,
  entries,
  readme: readFileSync(join(ROOT, 'packages', file.replace('.api.md', ''), 'README.md'), 'utf8'),
}));

describe("each package README's Entry points table", () => {
  it.each(packages)(
    '$file: a row per entry point, naming every export it has',
    ({ entries, readme }) => {
      const rows = readmeRows(readme);
      expect([...rows.keys()].sort()).toEqual([...entries.keys()].sort());
      const missing = [...entries].flatMap(([entry, names]) =>
        names
          .filter((name) => !rows.get(entry)?.match(new RegExp(`\\b${name}\\b`)))
          .map((name) => `${entry}: ${name}`),
      );
      expect(missing).toEqual([]);
    },
  );
});
