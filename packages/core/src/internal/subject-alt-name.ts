/**
 * Splits Node's `subjectAltName` text (`DNS:a, URI:spiffe://td/x, IP Address:10.0.0.1`). Node
 * writes a value holding a comma, a quote or a control character as a JSON string
 * (CVE-2021-44532), so a name cannot smuggle a second entry into the list.
 */
export function splitSubjectAltName(text: string | undefined): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  if (!text) return entries;
  let index = 0;
  while (index < text.length) {
    const colon = text.indexOf(':', index);
    if (colon === -1) break;
    const type = text.slice(index, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      end += 1;
      try {
        value = JSON.parse(text.slice(colon + 1, end)) as string;
      } catch {
        break;
      }
    } else {
      end = text.indexOf(', ', colon + 1);
      if (end === -1) end = text.length;
      value = text.slice(colon + 1, end);
    }
    entries.push([type, value]);
    index = end;
    if (text.startsWith(', ', index)) index += 2;
  }
  return entries;
}
