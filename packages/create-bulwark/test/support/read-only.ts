import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { sh } from './cli.js';

/*
 * `buildah run` (1.28) has no read-only root, so the image is run the way a runtime with
 * `--read-only --tmpfs /tmp` runs it: in a private mount namespace (`unshare --mount`), a bind
 * mount of the container's rootfs remounted read-only, a fresh tmpfs on /tmp, proc on /proc and
 * a tmpfs /dev holding only null, zero, random and urandom; then the command runs chrooted in it,
 * in the image's working directory, as the image's numeric user, with the image's environment
 * only. The mounts live only in that namespace: they vanish with the process, also on a failure.
 * Needs root (as `buildah run --isolation chroot` does).
 */
const SETUP = `set -eu
rootfs=$1 view=$2 workdir=$3 uid=$4 gid=$5
shift 5
image_path=$PATH
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount --bind "$rootfs" "$view"
mount -o remount,bind,ro,nosuid,nodev "$view"
mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m tmpfs "$view/tmp"
mount -t proc -o nosuid,nodev,noexec proc "$view/proc"
mount -t tmpfs -o nosuid,noexec,mode=755,size=64k tmpfs "$view/dev"
for device in null zero random urandom; do
  : > "$view/dev/$device"
  mount --bind "/dev/$device" "$view/dev/$device"
done
enter=$(command -v unshare)
export PATH="$image_path"
exec "$enter" --root="$view" --wd="$workdir" --setgid="$gid" --setuid="$uid" -- "$@"
`;

/** How to run a command of the image on a read-only view of its rootfs. */
export interface ReadOnlyRun {
  /** The container's rootfs (`buildah mount`); it is never written through the view. */
  rootfs: string;
  /** An empty folder on the host for the read-only view (a mount point, private to the run). */
  view: string;
  /** The image's `User` (`uid:gid`, numeric). */
  user: string;
  /** The image's `WorkingDir`. */
  workdir: string;
  /** The complete environment: the image's `Env` plus the run's own variables. */
  env: Record<string, string>;
}

/**
 * Starts `args` as PID of its own process group (kill `-pid` to stop it); node ends up as that
 * very process (`exec` all the way down), so its pid is the target for {@link execInside}.
 */
export function spawnReadOnly(run: ReadOnlyRun, args: readonly string[]): ChildProcess {
  const [uid, gid] = run.user.split(':');
  mkdirSync(run.view, { recursive: true });
  return spawn(
    hostTool('unshare'),
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      hostTool('sh'),
      '-c',
      SETUP,
      'read-only-run',
      run.rootfs,
      run.view,
      run.workdir,
      uid ?? '',
      gid ?? uid ?? '',
      ...args,
    ],
    { env: run.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
}

/**
 * Runs `args` inside the running process `pid`: its mount namespace, its root and working
 * directory, as `user`, with `env`. Bounded to 30 seconds.
 */
export function execInside(
  pid: number,
  user: string,
  env: Record<string, string>,
  args: readonly string[],
): SpawnSyncReturns<string> {
  const [uid, gid] = user.split(':');
  return spawnSync(
    hostTool('nsenter'),
    [
      `--target=${pid}`,
      '--mount',
      '--root',
      '--wd',
      `--setgid=${gid ?? uid}`,
      `--setuid=${uid}`,
      '--',
      ...args,
    ],
    { env, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' },
  );
}

/** Whether this machine can run an image read-only: root, util-linux unshare and nsenter. */
export function canRunReadOnly(): boolean {
  return (
    process.getuid?.() === 0 &&
    ['unshare', 'nsenter', 'mount'].every(
      (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0,
    )
  );
}

const tools = new Map<string, string>();

/** A host tool's absolute path: the spawned environment is the image's, not the host's. */
function hostTool(name: string): string {
  let path = tools.get(name);
  if (!path) {
    path = sh('sh', ['-c', `command -v ${name}`], '/').trim();
    tools.set(name, path);
  }
  return path;
}
