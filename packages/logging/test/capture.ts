/** A log destination that keeps every line, parsed. */
export class CapturedLines {
  readonly raw: string[] = [];

  write(chunk: string): boolean {
    this.raw.push(chunk);
    return true;
  }

  /** Every line written so far, each parsed as JSON (fails the test if one is not). */
  get lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  get text(): string {
    return this.raw.join('');
  }

  /** Lines whose `event.kind` is `kind`. */
  ofKind(kind: string): Record<string, unknown>[] {
    return this.lines.filter(
      (line) => (line.event as { kind?: string } | undefined)?.kind === kind,
    );
  }
}
