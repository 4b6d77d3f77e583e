import { packagesLoadedBy } from '@bulwark/test-harness';
import { describe, expect, it } from 'vitest';

const entry = new URL('../dist/index.js', import.meta.url).href;

describe('what @bulwark/tracing loads without its preload entry', () => {
  it('loads no OpenTelemetry package, and flushing answers false', () => {
    const loaded = packagesLoadedBy(
      entry,
      `if ((await lib.flushTracing(100)) !== false) throw new Error('flushed without an SDK')`,
    );
    expect(loaded).toContain('@nestjs/common');
    expect(loaded.filter((name) => name.startsWith('@opentelemetry/'))).toEqual([]);
  });
});
