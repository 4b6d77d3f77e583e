import { describe, expect, it } from 'vitest';
import {
  type ExceptionMapper,
  mapException,
  registerExceptionMapper,
} from './exception-mappers.js';
import { problem } from './problem-catalog.js';

class QueueFull extends Error {}

const queueMapper: ExceptionMapper = (error) =>
  error instanceof QueueFull ? problem('service-unavailable') : undefined;

describe('exception mappers', () => {
  it('answers with the first mapper that knows the error, per adapter', () => {
    const adapter = {};
    const other = {};
    registerExceptionMapper(adapter, queueMapper);
    expect(mapException(adapter, new QueueFull())?.getStatus()).toBe(503);
    expect(mapException(adapter, new Error('other'))).toBeUndefined();
    // Another app in the same process has its own mappers.
    expect(mapException(other, new QueueFull())).toBeUndefined();
    expect(mapException(undefined, new QueueFull())).toBeUndefined();
  });

  it('registers a mapper once and skips a mapper that throws', () => {
    const adapter = {};
    let calls = 0;
    const counting: ExceptionMapper = () => {
      calls++;
      return undefined;
    };
    registerExceptionMapper(adapter, () => {
      throw new Error('broken mapper');
    });
    registerExceptionMapper(adapter, counting);
    registerExceptionMapper(adapter, counting);
    registerExceptionMapper(adapter, queueMapper);
    expect(mapException(adapter, new QueueFull())?.getStatus()).toBe(503);
    expect(calls).toBe(1);
  });
});
