import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, readlink, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SecretsError } from '../secrets.error.js';

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/**
 * The file a path finally names: symlinks are followed (a dangling link to where its target
 * would be), so a write lands in the target and the link stays a link. Kubernetes and
 * configuration tools often put a key ring behind one.
 */
export async function resolveLinks(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops += 1) {
    try {
      if (!(await lstat(current)).isSymbolicLink()) return current;
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return current;
      throw error;
    }
    current = resolve(dirname(current), await readlink(current));
  }
  throw new SecretsError('SECRETS_INVALID_INPUT', `${path}: too many levels of symbolic links`);
}

/** Whether the process that wrote a lock file is gone, so the lock can be broken. */
async function isStale(lockPath: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    return codeOf(error) === 'ENOENT';
  }
  const pid = Number(text.trim());
  // An empty lock is one being written right now, not a stale one.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return codeOf(error) === 'ESRCH';
  }
}

/** How long a second writer waits for the lock before giving up, and how often it looks. */
export interface LockTiming {
  timeoutMs: number;
  pollMs: number;
}

const DEFAULT_TIMING: LockTiming = { timeoutMs: 10_000, pollMs: 25 };

/**
 * Runs `work` holding an exclusive lock on `target`: the file `<target>.lock`, created with
 * O_EXCL (atomic on local file systems) and holding the owner's pid. A lock whose process has
 * exited is broken; a live one is waited for, up to `timeoutMs`.
 */
export async function withFileLock<T>(
  target: string,
  work: () => Promise<T>,
  timing: LockTiming = DEFAULT_TIMING,
): Promise<T> {
  const lockPath = `${target}.lock`;
  const deadline = Date.now() + timing.timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') throw error;
      if (await isStale(lockPath)) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() >= deadline) {
        throw new SecretsError(
          'SECRETS_BUSY',
          `${target} is locked by another writer (${lockPath}); retry when it is done, or delete the lock file if no bulwark-secrets process is running`,
        );
      }
      await sleep(timing.pollMs + Math.floor(Math.random() * timing.pollMs));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockPath, { force: true });
  }
}

/**
 * Replaces the file `path` finally names, atomically: a sibling is written, flushed, given the
 * old file's mode and owner (0600 and the current user for a new file), then renamed over it.
 * A crash never leaves half a file, a symlink stays a symlink, and the mode is kept.
 */
export async function replaceFileKeepingMode(path: string, content: string): Promise<void> {
  const target = await resolveLinks(path);
  let previous: { mode: number; uid: number; gid: number } | undefined;
  try {
    const stat = await lstat(target);
    previous = { mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw error;
  }
  const temporary = join(
    dirname(target),
    `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(content);
      if (previous) {
        const own = await handle.stat();
        if (own.uid !== previous.uid || own.gid !== previous.gid) {
          await handle.chown(previous.uid, previous.gid).catch((error: unknown) => {
            throw new SecretsError(
              'SECRETS_UNREADABLE',
              `${target} belongs to ${previous?.uid}:${previous?.gid}, which this user cannot give the new file (${codeOf(error) ?? 'error'}); run as its owner or as root`,
            );
          });
        }
        // After chown, which may clear set-id bits; the umask does not apply to chmod.
        await handle.chmod(previous.mode);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
