import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';

/** The image-lifecycle checkout above one of these directories. */
export function findCheckout(starts: readonly string[]): string | undefined {
  for (const start of starts) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      const pkg = join(dir, 'package.json');
      if (
        existsSync(pkg) &&
        (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'image-lifecycle'
      )
        return dir;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

function newestFile(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestFile(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * How host mode starts the project's CLI: node on the bundle (dist/image-lifecycle.mjs) when `make build` made it
 * after the last source change, otherwise node with tsx's loader on steps/cli.ts. Paths are absolute, so the
 * command works from any step working directory.
 */
export function cliCommand(checkout: string): string[] {
  const bundle = join(checkout, 'dist', 'image-lifecycle.mjs');
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestFile(join(checkout, 'steps')))
    return [process.execPath, bundle];
  let loader: string;
  try {
    loader = createRequire(join(checkout, 'package.json')).resolve('tsx');
  } catch {
    throw new UsageError(`host mode needs the CLI: run 'make build' (or 'npm ci' for tsx) in ${checkout}`);
  }
  return [process.execPath, '--import', pathToFileURL(loader).href, join(checkout, 'steps', 'cli.ts')];
}

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Writes `<dir>/<name>`, a shim that runs `command` with the step's arguments, so steps (exec form or scripts) find
 * it on PATH: `image-lifecycle` for the CLI, and any tool replaced with --host-tool.
 */
export function writeShim(dir: string, name: string, command: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  const shim = join(dir, name);
  writeFileSync(shim, `#!/bin/sh\nexec ${command.map(shellQuote).join(' ')} "$@"\n`);
  chmodSync(shim, 0o755);
}
