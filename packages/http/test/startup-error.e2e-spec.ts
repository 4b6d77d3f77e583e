import { BulwarkConfigError } from '@bulwark/core';
import { ADAPTERS } from '@bulwark/test-harness';
import { Module } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { createSecureApp } from '../src/index.js';

/** A feature whose provider refuses its configuration, as a database module does in production. */
@Module({
  providers: [
    {
      provide: 'DATABASE',
      useFactory: () => {
        throw new BulwarkConfigError('DATABASE_URL', 'is required in production.');
      },
    },
  ],
})
class RefusingModule {}

describe.each(ADAPTERS)('createSecureApp on %s, when a provider refuses to start', (adapter) => {
  it("rejects with the provider's error for the caller to report, instead of ending the process silently", async () => {
    const created = createSecureApp(RefusingModule, { adapter, logger: false });
    await expect(created).rejects.toBeInstanceOf(BulwarkConfigError);
    await expect(created).rejects.toThrow('DATABASE_URL: is required in production.');
  });
});
