import type { ReadinessResult } from '@bulwark/core/lifecycle';
import { describe, expect, it } from 'vitest';
import { CheckRunner } from './check-runner.js';

function counting(result: ReadinessResult) {
  const check = Object.assign(
    async () => {
      check.calls += 1;
      return result;
    },
    { calls: 0 },
  );
  return check;
}

describe('CheckRunner', () => {
  describe('when a check is asynchronous', () => {
    it('reuses its answer until the TTL passes on the injected clock', async () => {
      let now = 1000;
      const runner = new CheckRunner(1000, 500, () => now);
      const check = counting({ ready: true });
      expect(await runner.run('a', check)).toEqual({ ready: true });
      now += 499;
      expect(await runner.run('a', check)).toEqual({ ready: true });
      expect(check.calls).toBe(1);
      now += 1;
      await runner.run('a', check);
      expect(check.calls).toBe(2);
    });

    it('shares one call between concurrent callers', async () => {
      const runner = new CheckRunner(1000, 0, () => 0);
      const check = counting({ ready: true });
      await Promise.all([runner.run('a', check), runner.run('a', check), runner.run('a', check)]);
      expect(check.calls).toBe(1);
    });

    it('caches failures too, so a flood against a down dependency costs one call', async () => {
      const runner = new CheckRunner(1000, 1000, () => 0);
      const check = counting({ ready: false, detail: 'down' });
      await runner.run('a', check);
      expect(await runner.run('a', check)).toEqual({ ready: false, detail: 'down' });
      expect(check.calls).toBe(1);
    });

    it('counts a check past its timeout as down and aborts its signal', async () => {
      const runner = new CheckRunner(20, 0, () => 0);
      let signal: AbortSignal | undefined;
      const result = await runner.run('a', (given) => {
        signal = given;
        return new Promise<ReadinessResult>(() => {});
      });
      expect(result).toEqual({ ready: false, detail: 'timed out after 20 ms' });
      expect(signal?.aborted).toBe(true);
    });

    it('turns a rejection into down with the error message', async () => {
      const runner = new CheckRunner(1000, 0, () => 0);
      expect(await runner.run('a', async () => Promise.reject(new Error('refused')))).toEqual({
        ready: false,
        detail: 'refused',
      });
    });
  });

  describe('when a check is synchronous', () => {
    it('asks it every time, so an in-memory flag flips readiness at once', () => {
      const runner = new CheckRunner(1000, 60_000, () => 0);
      let ready = true;
      const check = () => ({ ready });
      expect(runner.run('a', check)).toEqual({ ready: true });
      ready = false;
      expect(runner.run('a', check)).toEqual({ ready: false });
    });

    it('turns a throw or a malformed answer into down', () => {
      const runner = new CheckRunner(1000, 0, () => 0);
      expect(
        runner.run('a', () => {
          throw new Error('broken');
        }),
      ).toEqual({ ready: false, detail: 'broken' });
      expect(runner.run('b', () => ({}) as ReadinessResult)).toEqual({
        ready: false,
        detail: 'the check returned no { ready: boolean }',
      });
    });
  });
});
