import { type FSWatcher, watch } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type InspectOptions, inspect } from 'node:util';
import { BulwarkConfigError } from '@bulwark/core';
import { registerSecretValue } from '@bulwark/core/redaction';
import { redactableParts } from './internal/redactable-parts.js';
import { REDACTED_SUMMARY, redactObject } from './internal/redacted.js';
import { missingSecretError, type ReadSecret, readSecret } from './internal/secret-reader.js';
import { KeyRing } from './key-ring.js';
import { SecretsError } from './secrets.error.js';
import type {
  ResolvedSecretsOptions,
  SecretRotation,
  SecretSource,
} from './secrets-options.interface.js';

interface Entry {
  raw: string;
  value: string;
  source: SecretSource;
}

/** Called when a secret's value changes. */
export type SecretRotationListener = (rotation: SecretRotation) => void;

/**
 * Loaded secrets, kept current: the directories of file-sourced secrets are watched (one
 * watcher per directory, one debounce timer per store), files are re-read on change, and
 * listeners hear about values that actually changed. Every value is registered with
 * `registerSecretValue` so that loggers redact it.
 *
 * Create it with `loadSecrets()`; call `close()` when done. It prints and serializes as a
 * summary (names, sources, state), never a value: `console.log(store)` and
 * `JSON.stringify(store)` are safe.
 */
export class SecretStore {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Map<string, Set<SecretRotationListener>>();
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: { done: Promise<void>; changed: string[] } | undefined;
  private again = false;
  private closed = false;
  private ring: { raw: string; ring: KeyRing } | undefined;

  private constructor(private readonly options: ResolvedSecretsOptions) {}

  /** @internal Use `loadSecrets()`. */
  static async create(options: ResolvedSecretsOptions): Promise<SecretStore> {
    const store = new SecretStore(options);
    try {
      await store.loadAll();
      if (options.watch) await store.startWatching();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Every declared name, required first. */
  get names(): string[] {
    return [...this.options.required, ...this.options.optional];
  }

  /**
   * The current value. Throws `SECRETS_UNKNOWN_SECRET` for an undeclared name and
   * `SECRETS_NOT_SET` for an optional secret without a value.
   */
  get(name: string): string {
    const entry = this.entry(name);
    if (!entry) throw new SecretsError('SECRETS_NOT_SET', `optional secret ${name} has no value`);
    return entry.value;
  }

  /** The current value, or `undefined` for an optional secret without one. */
  find(name: string): string | undefined {
    return this.entry(name)?.value;
  }

  /** Where the current value came from (never the value). */
  source(name: string): SecretSource | undefined {
    return this.entry(name)?.source;
  }

  /**
   * Calls `listener` whenever the value of `name` changes. Returns the function that
   * unsubscribes. A listener that throws is reported through `onWarning` and does not stop
   * the others.
   */
  onRotate(name: string, listener: SecretRotationListener): () => void {
    this.entry(name);
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /**
   * Re-reads every secret now and notifies listeners of changes; returns the changed names.
   * Runs after file events on its own; call it yourself on SIGHUP, for example.
   *
   * A call made while a refresh is running joins it: the running refresh makes one more pass
   * (it may have read a file before the change that prompted this call), and both calls
   * resolve to the names changed over the whole run.
   */
  async refresh(): Promise<string[]> {
    if (this.closed) return [];
    if (this.running) {
      this.again = true;
      const { done, changed } = this.running;
      await done;
      return [...new Set(changed)];
    }
    const changed: string[] = [];
    const done = (async () => {
      do {
        this.again = false;
        changed.push(...(await this.reloadChanged()));
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    this.running = { done, changed };
    await done;
    return [...new Set(changed)];
  }

  /** Stops watching, drops listeners and wipes the key ring. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const watcher of this.watchers.splice(0)) watcher.close();
    await this.running?.done.catch(() => undefined);
    this.listeners.clear();
    this.ring?.ring.destroy();
    this.ring = undefined;
  }

  /** What `util.inspect` and `console.log` show: a summary, never a value. */
  [inspect.custom](_depth: number, options: InspectOptions, format = inspect): string {
    return `SecretStore ${format(this.summary(), options)}`;
  }

  /** What `JSON.stringify` (and so a JSON logger) writes: a summary, never a value. */
  toJSON(): Record<string, unknown> {
    return { type: 'SecretStore', ...this.summary() };
  }

  private summary(): Record<string, unknown> {
    return {
      names: this.names,
      sources: Object.fromEntries(
        [...this.entries].map(([name, entry]) => [name, { ...entry.source }]),
      ),
      values: REDACTED_SUMMARY,
      keyRing: this.ring?.ring.toJSON(),
      watchers: this.watchers.length,
      closed: this.closed,
    };
  }

  private entry(name: string): Entry | undefined {
    if (!this.names.includes(name)) {
      throw new SecretsError(
        'SECRETS_UNKNOWN_SECRET',
        `secret ${name} is not declared; add it to required or optional`,
      );
    }
    return this.entries.get(name);
  }

  private async loadAll(): Promise<void> {
    const { unsealWith } = this.options;
    if (unsealWith !== undefined) {
      const read = await readSecret(unsealWith, this.options);
      if (!read) throw missingSecretError(unsealWith, this.options);
      this.ring = { raw: read.raw, ring: await KeyRing.parse(read.raw) };
      this.set(unsealWith, { raw: read.raw, value: read.raw, source: read.source });
    }
    for (const name of this.names) {
      if (name === unsealWith) continue;
      const read = await readSecret(name, this.options);
      if (!read) {
        if (this.options.required.includes(name)) throw missingSecretError(name, this.options);
        continue;
      }
      this.set(name, this.derive(name, read));
    }
  }

  private derive(name: string, read: ReadSecret): Entry {
    if (!KeyRing.isSealed(read.raw)) return { raw: read.raw, value: read.raw, source: read.source };
    if (!this.ring) {
      throw new BulwarkConfigError(
        'unsealWith',
        `secret ${name} holds a sealed value; set unsealWith to the name of the secret holding the key ring`,
      );
    }
    try {
      return { raw: read.raw, value: this.ring.ring.unsealString(read.raw), source: read.source };
    } catch (error) {
      if (!(error instanceof SecretsError)) throw error;
      throw new SecretsError(error.code, `secret ${name}: ${error.message}`, { cause: error });
    }
  }

  private set(name: string, entry: Entry): void {
    for (const part of redactableParts(entry.value)) registerSecretValue(part);
    this.entries.set(name, entry);
  }

  private async reloadChanged(): Promise<string[]> {
    const { unsealWith } = this.options;
    let ringRead: ReadSecret | undefined;
    if (unsealWith !== undefined) {
      ringRead = await this.tryRead(unsealWith);
      if (ringRead && ringRead.raw !== this.ring?.raw) {
        try {
          const ring = await KeyRing.parse(ringRead.raw);
          this.ring?.ring.destroy();
          this.ring = { raw: ringRead.raw, ring };
        } catch (error) {
          this.warnKept(unsealWith, error);
          ringRead = undefined;
        }
      }
    }
    const changed: string[] = [];
    for (const name of this.names) {
      const read = name === unsealWith ? ringRead : await this.tryRead(name);
      if (!read || this.closed) continue;
      let next: Entry;
      try {
        next =
          name === unsealWith
            ? { raw: read.raw, value: read.raw, source: read.source }
            : this.derive(name, read);
      } catch (error) {
        this.warnKept(name, error);
        continue;
      }
      const previous = this.entries.get(name);
      this.set(name, next);
      if (previous?.value === next.value) continue;
      changed.push(name);
      this.notify(
        redactObject(
          { name, value: next.value, previous: previous?.value, source: next.source },
          'SecretRotation',
          () => ({ name, source: next.source, value: REDACTED_SUMMARY }),
        ),
      );
    }
    return changed;
  }

  private async tryRead(name: string): Promise<ReadSecret | undefined> {
    try {
      const read = await readSecret(name, this.options);
      if (!read && this.entries.has(name)) {
        this.options.onWarning(`secret ${name} is no longer found; keeping the previous value`);
      }
      return read;
    } catch (error) {
      this.warnKept(name, error);
      return undefined;
    }
  }

  private warnKept(name: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : 'unknown error';
    this.options.onWarning(
      `secret ${name} could not be reloaded (${reason}); keeping the previous value`,
    );
  }

  private notify(rotation: SecretRotation): void {
    for (const listener of this.listeners.get(rotation.name) ?? []) {
      try {
        listener(rotation);
      } catch (error) {
        const reason = error instanceof Error ? error.message : 'unknown error';
        this.options.onWarning(`a rotation listener for ${rotation.name} threw: ${reason}`);
      }
    }
  }

  private async startWatching(): Promise<void> {
    const directories = new Set<string>();
    for (const entry of this.entries.values()) {
      if (entry.source.kind === 'file') directories.add(dirname(entry.source.path));
    }
    for (const directory of this.options.directories) directories.add(directory);
    for (const directory of directories) {
      try {
        await access(directory);
      } catch {
        continue;
      }
      // The directory, not the file, is watched: Kubernetes replaces a secret volume by
      // renaming the `..data` symlink, and an atomic rename replaces the file's inode, so a
      // watch on the old file would go silent after the first rotation.
      const watcher = watch(directory, { persistent: false }, () => this.schedule());
      watcher.on('error', (error) => {
        this.options.onWarning(
          `watching ${directory} failed (${error.message}); rotation there is not seen`,
        );
      });
      this.watchers.push(watcher);
    }
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : 'unknown error';
        this.options.onWarning(`reloading secrets failed (${reason})`);
      });
    }, this.options.watchDebounceMs);
    this.timer.unref();
  }
}
