import { BulwarkConfigError } from '@bulwark/core';
import { describe, expect, it } from 'vitest';
import { resolveMetricsOptions } from './resolve-options.js';

describe('resolveMetricsOptions', () => {
  describe('when nothing is configured', () => {
    it('listens on 9464 on every interface and serves /metrics', () => {
      expect(resolveMetricsOptions({}, {})).toEqual({
        port: 9464,
        host: undefined,
        path: '/metrics',
        registry: undefined,
        defaultMetrics: true,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        unmatchedRoute: 'UNMATCHED',
      });
    });
  });

  describe('when METRICS_PORT and METRICS_HOST are set', () => {
    it('uses them, and explicit options win', () => {
      const env = { METRICS_PORT: '9100', METRICS_HOST: '127.0.0.1' };
      expect(resolveMetricsOptions({}, env)).toMatchObject({ port: 9100, host: '127.0.0.1' });
      expect(resolveMetricsOptions({ port: 0, host: '::1' }, env)).toMatchObject({
        port: 0,
        host: '::1',
      });
    });

    it('rejects a METRICS_PORT that is not a port, naming the variable', () => {
      expect(() => resolveMetricsOptions({}, { METRICS_PORT: '70000' })).toThrow(
        new BulwarkConfigError(
          'METRICS_PORT',
          'must be an integer from 0 to 65535. Set METRICS_PORT to such a number or unset it.',
        ),
      );
    });
  });

  describe('when an option is wrong', () => {
    it.each([
      [{ port: 1.5 }, 'port: must be an integer from 0 to 65535 (0 picks a free port).'],
      [{ host: ' ' }, 'host: must be a non-empty address such as 0.0.0.0, or unset.'],
      [
        { path: 'metrics' },
        'path: must start with "/" and hold no query, fragment or space; got "metrics".',
      ],
      [
        { buckets: [1, 0.5] },
        'buckets: must be a non-empty list of positive, finite, strictly increasing numbers of seconds.',
      ],
      [
        { buckets: [] },
        'buckets: must be a non-empty list of positive, finite, strictly increasing numbers of seconds.',
      ],
      [
        { unmatchedRoute: '' },
        'unmatchedRoute: must be a non-empty label value such as UNMATCHED.',
      ],
      [
        { registry: {} as never },
        'registry: must be a prom-client Registry, or unset for a private one.',
      ],
      [{ defaultMetrics: 'yes' as never }, 'defaultMetrics: must be true or false.'],
    ])('rejects %j with a message naming the option', (options, message) => {
      let error: unknown;
      try {
        resolveMetricsOptions(options, {});
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(BulwarkConfigError);
      expect((error as BulwarkConfigError).code).toBe('INVALID_CONFIG');
      expect((error as Error).message).toBe(message);
    });
  });
});
