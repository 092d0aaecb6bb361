import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostProcess } from './host-process.js';

const live = new Set<string>();

function removeAllSync(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

/** A fresh directory under the OS temp dir, removed by removeTempDir or, failing that, when the process exits. */
export function makeTempDir(prefix: string): string {
  if (live.size === 0) hostProcess.once('exit', removeAllSync);
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  live.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
  if (live.size === 0) hostProcess.off('exit', removeAllSync);
}
