import { EventEmitter, getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallDeadline } from './deadline.js';

describe('CallDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts after totalMs with a TimeoutError, calling the hook of the exchange in flight', () => {
    const deadline = new CallDeadline(500, []);
    const hook = vi.fn();
    deadline.onAbort(hook);
    expect(deadline.at).toBe(performance.now() + 500);
    vi.advanceTimersByTime(499);
    expect(deadline.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.aborted).toBe(true);
    expect(deadline.reason).toBeInstanceOf(DOMException);
    expect((deadline.reason as DOMException).name).toBe('TimeoutError');
    expect(hook).toHaveBeenCalledExactlyOnceWith(deadline.reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer and no listener on the caller’s signals once disposed', () => {
    const caller = new AbortController();
    const incoming = new AbortController();
    const deadline = new CallDeadline(10_000, [caller.signal, undefined, incoming.signal]);
    expect(vi.getTimerCount()).toBe(1);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
    deadline.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(incoming.signal, 'abort')).toHaveLength(0);
    vi.advanceTimersByTime(20_000);
    caller.abort();
    expect(deadline.aborted).toBe(false);
  });

  it('aborts with a linked signal’s reason, and clears its timer', () => {
    const incoming = new AbortController();
    const deadline = new CallDeadline(10_000, [undefined, incoming.signal]);
    const hook = vi.fn();
    deadline.onAbort(hook);
    incoming.abort(new Error('the incoming request went away'));
    expect(deadline.aborted).toBe(true);
    expect((deadline.reason as Error).message).toBe('the incoming request went away');
    expect(hook).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(incoming.signal, 'abort')).toHaveLength(0);
  });

  it('is aborted at once, with no timer, when a signal already was', () => {
    const deadline = new CallDeadline(10_000, [AbortSignal.abort('gone')]);
    expect(deadline.aborted).toBe(true);
    expect(deadline.reason).toBe('gone');
    expect(vi.getTimerCount()).toBe(0);
    const hook = vi.fn();
    deadline.onAbort(hook);
    expect(hook).toHaveBeenCalledExactlyOnceWith('gone');
  });

  it('makes an AbortSignal only when asked, aborted with the deadline', () => {
    const deadline = new CallDeadline(100, []);
    const signal = deadline.signal;
    expect(deadline.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(100);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
    const late = new CallDeadline(100, []);
    late.abort('stop');
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe('stop');
  });

  it('calls a removed hook no more', () => {
    const deadline = new CallDeadline(100, []);
    const hook = vi.fn();
    const remove = deadline.onAbort(hook);
    remove();
    vi.advanceTimersByTime(100);
    expect(deadline.aborted).toBe(true);
    expect(hook).not.toHaveBeenCalled();
  });

  it('ends with the incoming connection, and leaves no listener on a keep-alive one', () => {
    const connection = Object.assign(new EventEmitter(), { destroyed: false });
    const ended = new CallDeadline(10_000, [], connection);
    const kept = new CallDeadline(10_000, [], connection);
    // One listener for all the calls of a connection, however many.
    expect(connection.listenerCount('close')).toBe(1);
    kept.dispose();
    expect(connection.listenerCount('close')).toBe(1);
    connection.emit('close');
    expect(ended.aborted).toBe(true);
    expect((ended.reason as DOMException).name).toBe('AbortError');
    expect(kept.aborted).toBe(false);
    expect(connection.listenerCount('close')).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shares one abort listener on a caller’s signal among the calls in flight, and aborts them all with its reason', () => {
    const shared = new AbortController();
    const calls = Array.from({ length: 30 }, () => new CallDeadline(10_000, [shared.signal]));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    (calls[0] as CallDeadline).dispose();
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    shared.abort(new Error('shutting down'));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    expect((calls[0] as CallDeadline).aborted).toBe(false);
    for (const call of calls.slice(1)) expect((call.reason as Error).message).toBe('shutting down');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shares one listener among the calls in flight on a connection, and removes it with the last', () => {
    const connection = Object.assign(new EventEmitter(), { destroyed: false });
    const calls = Array.from({ length: 30 }, () => new CallDeadline(10_000, [], connection));
    expect(connection.listenerCount('close')).toBe(1);
    for (const call of calls.slice(0, 29)) call.dispose();
    expect(connection.listenerCount('close')).toBe(1);
    (calls[29] as CallDeadline).dispose();
    expect(connection.listenerCount('close')).toBe(0);
    // A later call on the same keep-alive connection listens again.
    const later = new CallDeadline(10_000, [], connection);
    connection.emit('close');
    expect(later.aborted).toBe(true);
    expect(calls.some((call) => call.aborted)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is aborted at once for a connection already closed', () => {
    const connection = Object.assign(new EventEmitter(), { destroyed: true });
    const deadline = new CallDeadline(10_000, [], connection);
    expect(deadline.aborted).toBe(true);
    expect(connection.listenerCount('close')).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
