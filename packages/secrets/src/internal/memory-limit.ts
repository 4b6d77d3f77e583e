import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** cgroup v1 reports "no limit" as a number near 2^63; anything this large is no limit. */
const UNLIMITED = 2 ** 60;

async function readNumber(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= UNLIMITED ? undefined : value;
}

/**
 * The container's memory limit in bytes, from cgroup v2 (`memory.max`) or v1
 * (`memory/memory.limit_in_bytes`) under `root`, with the file it came from; `undefined` when
 * neither sets one (`max`, no cgroup, not Linux).
 */
export async function containerMemoryLimit(
  root: string,
): Promise<{ bytes: number; source: string } | undefined> {
  for (const file of [join(root, 'memory.max'), join(root, 'memory', 'memory.limit_in_bytes')]) {
    const bytes = await readNumber(file);
    if (bytes !== undefined) return { bytes, source: file };
  }
  return undefined;
}
