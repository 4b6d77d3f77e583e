import { Worker } from 'node:worker_threads';
import { SecretsError } from '../secrets.error.js';

/** One job for a password-hash worker; `password` is moved to the worker, not copied. */
export type PasswordTask =
  | { op: 'hash'; password: Uint8Array; opsLimit: number; memLimit: number }
  | { op: 'verify'; password: Uint8Array; hash: string };

type Reply = { ok: true; value: string | boolean } | { ok: false; message: string };

interface Pending {
  task: PasswordTask;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

export interface WorkerPoolOptions {
  workerUrl: URL;
  size: number;
  maxQueue: number;
  /** The error a caller gets when every worker is busy and the queue is full. */
  full: (queued: number) => Error;
}

/**
 * A bounded pool of worker threads with a bounded queue. Workers start on first use and stay;
 * they keep the process alive only while they have work. One task per worker at a time.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private readonly gone = new WeakSet<Worker>();
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Workers started, workers at work, and tasks waiting. */
  get stats(): { workers: number; busy: number; queued: number } {
    return {
      workers: this.idle.length + this.busy.size,
      busy: this.busy.size,
      queued: this.queue.length,
    };
  }

  run(task: PasswordTask): Promise<string | boolean> {
    if (this.closed) {
      task.password.fill(0);
      return Promise.reject(
        new SecretsError('SECRETS_INVALID_INPUT', 'the password hasher is closed'),
      );
    }
    const started = this.idle.length + this.busy.size;
    if (this.idle.length === 0 && started >= this.options.size) {
      if (this.queue.length >= this.options.maxQueue) {
        task.password.fill(0);
        return Promise.reject(this.options.full(this.queue.length));
      }
      return new Promise((resolve, reject) => this.queue.push({ task, resolve, reject }));
    }
    return new Promise((resolve, reject) => this.dispatch({ task, resolve, reject }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) {
      pending.task.password.fill(0);
      pending.reject(new SecretsError('SECRETS_INVALID_INPUT', 'the password hasher is closed'));
    }
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private dispatch(pending: Pending): void {
    const worker = this.idle.pop() ?? this.spawn();
    this.busy.set(worker, pending);
    worker.ref();
    const { task } = pending;
    worker.postMessage(task, [task.password.buffer as ArrayBuffer]);
  }

  private spawn(): Worker {
    const worker = new Worker(this.options.workerUrl);
    worker.on('message', (reply: Reply) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      if (pending) {
        if (reply.ok) pending.resolve(reply.value);
        else
          pending.reject(
            new SecretsError('SECRETS_INVALID_INPUT', `Argon2id failed: ${reply.message}`),
          );
      }
      const next = this.queue.shift();
      if (next && !this.closed) {
        this.busy.set(worker, next);
        worker.postMessage(next.task, [next.task.password.buffer as ArrayBuffer]);
        return;
      }
      worker.unref();
      this.idle.push(worker);
    });
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`worker exited with code ${code}`)));
    return worker;
  }

  /** A worker died (out of memory, a crash): fail its task, and let a new one take the queue. */
  private lost(worker: Worker, error: Error): void {
    // 'error' is followed by 'exit': handle the loss once.
    if (this.gone.has(worker)) return;
    this.gone.add(worker);
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
    if (this.closed) return;
    pending?.reject(
      new SecretsError(
        'SECRETS_WORKER_FAILED',
        `a password-hash worker failed (${error.message})`,
        {
          cause: error,
        },
      ),
    );
    const next = this.queue.shift();
    if (next) this.dispatch(next);
  }
}
