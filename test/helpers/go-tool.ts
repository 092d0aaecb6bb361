import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runCommand } from './command.js';
import { REPO_ROOT } from './cli.js';

/**
 * Builds the Go program in `sourceDir` (a module of its own under test/) once, into
 * .cache/go-tools/<name>/<key>/, keyed by the Go toolchain and the module's go.mod, go.sum and sources, and
 * returns the binary's path. Later runs reuse it; a changed source builds a new one.
 */
export async function goTool(sourceDir: string, timeoutMs = 15 * 60_000): Promise<string> {
  const name = basename(sourceDir);
  const { stdout: goEnv } = await runCommand('go', ['env', 'GOVERSION', 'GOOS', 'GOARCH']);
  const hash = createHash('sha256').update(goEnv);
  for (const file of readdirSync(sourceDir)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
    .sort()) {
    hash.update(`${file}\0`).update(readFileSync(join(sourceDir, file)));
  }
  const cacheDir = join(REPO_ROOT, '.cache', 'go-tools', name);
  const finalDir = join(cacheDir, hash.digest('hex').slice(0, 16));
  const binary = join(finalDir, name);
  if (existsSync(binary)) return binary;
  const staging = `${finalDir}.${process.pid}.tmp`;
  mkdirSync(staging, { recursive: true });
  try {
    await runCommand('go', ['build', '-trimpath', '-o', join(staging, name), '.'], {
      cwd: sourceDir,
      timeoutMs,
    });
    // Another test process may have finished the same build first; both binaries are the same program.
    if (!existsSync(binary)) renameSync(staging, finalDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}
