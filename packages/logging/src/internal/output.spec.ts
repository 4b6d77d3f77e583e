import { describe, expect, it } from 'vitest';
import { BUFFER_BYTES, standardOutput } from './output.js';

type Boom = ReturnType<typeof standardOutput> & {
  minLength: number;
  _periodicFlushTimer?: unknown;
  destroy(): void;
};

describe('standardOutput', () => {
  it('writes every line as it comes with an interval of 0: no minimum length, no flush timer', () => {
    const output = standardOutput(0) as Boom;
    try {
      expect(output.minLength).toBe(0);
      expect(output._periodicFlushTimer).toBeUndefined();
    } finally {
      output.destroy();
    }
  });

  it('collects lines up to BUFFER_BYTES with an interval above 0, flushed on a timer', () => {
    const output = standardOutput(250) as Boom;
    try {
      expect(output.minLength).toBe(BUFFER_BYTES);
      expect(output._periodicFlushTimer).toBeDefined();
    } finally {
      output.destroy();
    }
  });
});
