import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onHostExit } from './host-process.js';

/** Each live directory, with what cancels its removal at exit. */
const live = new Map<string, () => void>();

/** A fresh directory under the OS temp dir, removed by removeTempDir or, failing that, when the process exits. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  live.set(
    dir,
    onHostExit(() => rmSync(dir, { recursive: true, force: true })),
  );
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.get(dir)?.();
  live.delete(dir);
}
