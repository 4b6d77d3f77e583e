const KEY_LINE = /^bulwark-(?:seal|aead)-key:v1:[^:]+:(.+)$/;
/** A line that reads as key material: long enough, with no spaces (a PEM body line, a key line). */
const MATERIAL_LINE = /^\S{16,}$/;

/**
 * The forms of a secret value that can show up in a log on their own: the value, each
 * key-material line of a multi-line value (a PEM key, a key ring), and the key of each private
 * key-ring line. A key ring is one value of several lines, so registering only the whole text
 * would leave a single logged key unredacted. PEM armour, `#` comments and lines with spaces
 * (plain configuration text) are left alone, so common words are not redacted everywhere.
 */
export function redactableParts(value: string): string[] {
  const parts = [value];
  if (!value.includes('\n')) return parts;
  for (const raw of value.split(/\r?\n/)) {
    const line = raw.trim();
    if (!MATERIAL_LINE.test(line) || line.startsWith('#') || line.startsWith('-----')) continue;
    parts.push(line);
    const key = KEY_LINE.exec(line)?.[1];
    if (key !== undefined) parts.push(key);
  }
  return parts;
}
