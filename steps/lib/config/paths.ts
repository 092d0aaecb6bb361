import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Checks for the paths a step will write, made before it changes anything: a report directory that is a
 * file, or a plan file under one, would otherwise surface after the registry has been changed, or as a raw
 * file-system error. They check; they create nothing.
 */

function stat(path: string, flag: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new UsageError(`${flag} ${JSON.stringify(path)}: ${describe(code)}`);
  }
}

function describe(code: string | undefined): string {
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a directory';
  if (code === 'ENAMETOOLONG') return 'the path is too long';
  if (code === 'EACCES') return 'permission denied';
  return `cannot use it (${code ?? 'error'})`;
}

/** The nearest existing directory at or above `path` must be one the step can write in. */
function checkAncestor(path: string, flag: string): void {
  let dir = resolve(path);
  let found = stat(dir, flag);
  while (!found) {
    dir = dirname(dir);
    found = stat(dir, flag);
  }
  if (!found.isDirectory())
    throw new UsageError(`${flag} ${JSON.stringify(path)}: ${dir} is a file, not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(path)}: ${dir} is not writable`);
  }
}

/** A directory the step will create (with its parents) if need be, and write files in. */
export function checkOutputDir(path: string | undefined, flag: string): void {
  if (!path) return;
  const found = stat(path, flag);
  if (found && !found.isDirectory())
    throw new UsageError(`${flag} ${JSON.stringify(path)}: is a file, not a directory`);
  checkAncestor(path, flag);
}

/** A file the step will write (creating its directory if need be). */
export function checkOutputFile(path: string | undefined, flag: string): void {
  if (!path) return;
  const found = stat(path, flag);
  if (found?.isDirectory())
    throw new UsageError(`${flag} ${JSON.stringify(path)}: is a directory, not a file`);
  checkAncestor(dirname(resolve(path)), flag);
}
