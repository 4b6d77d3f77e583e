// Runs Argon2id (libsodium's synchronous WebAssembly) off the main thread, for the pool in
// src/internal/worker-pool.ts. Plain JavaScript on purpose: Node.js 20 cannot start a worker
// from TypeScript, and this one file serves both the sources under test and the build.
import { parentPort } from 'node:worker_threads';
import sodium from 'libsodium-wrappers-sumo';

await sodium.ready;

parentPort.on('message', (task) => {
  try {
    const value =
      task.op === 'hash'
        ? sodium.crypto_pwhash_str(task.password, task.opsLimit, task.memLimit)
        : sodium.crypto_pwhash_str_verify(task.hash, task.password);
    parentPort.postMessage({ ok: true, value });
  } catch (error) {
    parentPort.postMessage({
      ok: false,
      message: error instanceof Error ? error.message : 'Argon2id failed',
    });
  } finally {
    sodium.memzero(task.password);
  }
});
