import { type InspectOptions, inspect } from 'node:util';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { SecretRotationListener, SecretStore } from './secret-store.js';
import { SECRET_STORE } from './secrets.module-definition.js';
import type { SecretSource } from './secrets-options.interface.js';

/**
 * The secrets declared in `SecretsModule.forRoot()`, loaded before any provider that injects
 * this service is built, and kept current as mounted files rotate. It prints and serializes
 * as a summary, never a value.
 *
 * @example
 * ```ts
 * @Injectable()
 * class RedisClient {
 *   constructor(secrets: SecretsService) {
 *     this.connect(secrets.get('REDIS_URL'));
 *     secrets.onRotate('REDIS_URL', ({ value }) => this.connect(value));
 *   }
 * }
 * ```
 */
@Injectable()
export class SecretsService implements OnModuleDestroy {
  constructor(@Inject(SECRET_STORE) private readonly store: SecretStore) {}

  /** Every declared name. */
  get names(): string[] {
    return this.store.names;
  }

  /** The current value; throws `SECRETS_NOT_SET` for an optional secret without one. */
  get(name: string): string {
    return this.store.get(name);
  }

  /** The current value, or `undefined` for an optional secret without one. */
  find(name: string): string | undefined {
    return this.store.find(name);
  }

  /** Where the current value came from (never the value). */
  source(name: string): SecretSource | undefined {
    return this.store.source(name);
  }

  /** Calls `listener` when the value of `name` changes; returns the unsubscribe function. */
  onRotate(name: string, listener: SecretRotationListener): () => void {
    return this.store.onRotate(name, listener);
  }

  /** Re-reads every secret now; resolves to the names whose value changed. */
  refresh(): Promise<string[]> {
    return this.store.refresh();
  }

  /** What `util.inspect` and `console.log` show: the store's summary, never a value. */
  [inspect.custom](_depth: number, options: InspectOptions, format = inspect): string {
    return `SecretsService ${format(this.toJSON(), options)}`;
  }

  /** What `JSON.stringify` writes: the store's summary, never a value. */
  toJSON(): Record<string, unknown> {
    return { ...this.store.toJSON(), type: 'SecretsService' };
  }

  /** Closes the directory watchers when the module is destroyed (`app.close()`). */
  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }
}
