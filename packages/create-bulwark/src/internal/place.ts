import {
  constants,
  copyFileSync,
  type Dirent,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  type Stats,
  statSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';

/** Entries of the target that, when present, mean the staged install does not belong there. */
export const INSTALL_STATE = [
  'package.json',
  'node_modules',
  'package-lock.json',
  'pnpm-lock.yaml',
];

/**
 * Moves the staged service into `target` without ever deleting or overwriting anything there.
 * A missing target is the staging folder renamed. Otherwise every staged file whose path is
 * free in the target is moved there; a path that exists in any form (file, folder, symbolic
 * link, even a dangling one) is left as it is, and so is everything below a path that exists
 * as something other than a real folder: a symbolic link is never followed. Returns the staged
 * files that were not written, as `/`-separated paths relative to the target, sorted.
 *
 * Files are moved with `link(2)`, which fails when the name exists, so a file that appears in
 * the target while this runs is not overwritten either.
 */
export function place(staging: string, target: string): string[] {
  if (lstatOf(target) === undefined) {
    try {
      renameSync(staging, target);
      return [];
    } catch (error) {
      // Created meanwhile: merge into it like any existing folder.
      if (!isCode(error, 'ENOTEMPTY', 'EEXIST')) throw error;
    }
  }
  const kept: string[] = [];
  merge(staging, target, '', kept);
  return kept.sort();
}

/** The entries of a target folder that stop the staged install from being used. */
export function installBlockers(target: string): string[] {
  return INSTALL_STATE.filter((name) => lstatOf(join(target, name)) !== undefined);
}

function merge(from: string, to: string, prefix: string, kept: string[]): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const destination = join(to, entry.name);
    const path = `${prefix}${entry.name}`;
    const existing = lstatOf(destination);
    if (entry.isDirectory()) {
      if (existing === undefined && moveFolder(source, destination)) continue;
      if (lstatOf(destination)?.isDirectory()) merge(source, destination, `${path}/`, kept);
      else kept.push(...filesUnder(source, `${path}/`));
      continue;
    }
    if (existing !== undefined || !moveFile(entry, source, destination)) kept.push(path);
  }
}

/**
 * Renames a staged folder to a free path. `false` when it was not moved: the path was taken
 * meanwhile, or it is on another file system and an empty folder was created there to merge into.
 */
function moveFolder(source: string, destination: string): boolean {
  try {
    renameSync(source, destination);
    return true;
  } catch (error) {
    // rename(2) replaces only an empty folder, so nothing is lost; anything else is kept.
    if (isCode(error, 'ENOTEMPTY', 'EEXIST', 'ENOTDIR')) return false;
    if (!isCode(error, 'EXDEV')) throw error;
  }
  // Another file system (the target is a mount point): create the folder to merge into.
  try {
    mkdirSync(destination, { mode: statSync(source).mode & 0o7777 });
  } catch (error) {
    if (!isCode(error, 'EEXIST')) throw error;
  }
  return false;
}

/** Writes one staged file or symbolic link to a free path; `false` when the path is taken. */
function moveFile(entry: Dirent, source: string, destination: string): boolean {
  try {
    linkSync(source, destination);
    return true;
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    if (!isCode(error, 'EXDEV', 'EPERM')) throw error;
  }
  try {
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), destination);
    else copyFileSync(source, destination, constants.COPYFILE_EXCL);
    return true;
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw error;
  }
}

function filesUnder(folder: string, prefix: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(folder, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

function lstatOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}
