import { describe, expect, it } from 'vitest';
import { registerSecretValue } from './process-registry.js';
import { scrubSecrets } from './secret-scrubber.js';

describe('scrubSecrets', () => {
  it('replaces registered secret values, raw and JSON-escaped, registered before or after first use', () => {
    registerSecretValue('hunter2-before');
    expect(scrubSecrets('login with hunter2-before failed')).toBe('login with [REDACTED] failed');
    registerSecretValue('pa"ss\\word-after');
    expect(scrubSecrets('raw pa"ss\\word-after, escaped pa\\"ss\\\\word-after')).toBe(
      'raw [REDACTED], escaped [REDACTED]',
    );
  });

  it('replaces compact JWTs and Authorization credentials', () => {
    expect(
      scrubSecrets('token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl refused'),
    ).toBe('token [REDACTED] refused');
    expect(scrubSecrets('sent Bearer abcdef123456 and basic dXNlcjpwYXNz')).toBe(
      'sent Bearer [REDACTED] and basic [REDACTED]',
    );
  });

  it('leaves text without secrets as it is', () => {
    expect(scrubSecrets('database exploded')).toBe('database exploded');
  });
});
