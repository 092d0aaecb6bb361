import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { registerSecret } from '../tekton/redact.js';
import { parseDuration } from './duration.js';
import type { WorkspaceSource } from './plan.js';

function split(flag: string, entry: string): [string, string] {
  const eq = entry.indexOf('=');
  if (eq <= 0 || eq === entry.length - 1)
    throw new UsageError(`--${flag} "${entry}" must have the form NAME=VALUE`);
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}

/** An existing directory given by a flag, as an absolute path. */
export function directoryFlag(flag: string, path: string, name?: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new UsageError(`--${flag} ${name ? `${name}: ` : ''}${path} is not a directory`);
  }
  return absolute;
}

/** `--workspace NAME=DIR`, `NAME=emptyDir` (fresh per TaskRun, as on a cluster) or `NAME=temp` (one fresh directory for the run). */
export function parseWorkspaces(entries: readonly string[]): Map<string, WorkspaceSource> {
  const out = new Map<string, WorkspaceSource>();
  for (const entry of entries) {
    const [name, value] = split('workspace', entry);
    if (out.has(name)) throw new UsageError(`--workspace ${name} is given twice`);
    if (value === 'emptyDir' || value === 'temp') out.set(name, { kind: value });
    else out.set(name, { kind: 'dir', path: directoryFlag('workspace', value, name) });
  }
  return out;
}

/**
 * `--secret NAME=DIR` and `--configmap NAME=DIR`: a directory with one file per key stands in for the object, the
 * way Kubernetes mounts it. Secret values are registered for redaction before any step prints.
 */
export function parseSources(entries: readonly string[], flag: 'secret' | 'configmap'): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of entries) {
    const [name, value] = split(flag, entry);
    const dir = directoryFlag(flag, value, name);
    if (flag === 'secret') {
      for (const file of readdirSync(dir, { withFileTypes: true })) {
        if (file.isFile()) registerSecret(readFileSync(join(dir, file.name), 'utf8').trim());
      }
    }
    out.set(name, dir);
  }
  return out;
}

/** `--host-tool NAME=PROGRAM`: the program must exist and be executable. */
export function parseHostTools(entries: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of entries) {
    const [name, program] = split('host-tool', entry);
    if (!/^[\w.+-]+$/.test(name))
      throw new UsageError(`--host-tool ${name}: a tool name is a plain command name, like trivy`);
    const path = resolve(program);
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new UsageError(`--host-tool ${name}: ${program} is not an executable file`);
    }
    out.set(name, path);
  }
  return out;
}

/** A duration flag in Go's format; "0" means none. */
export function durationFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--${flag} "${text}" is not a duration like 90s, 10m or 1h30m`);
  return ms || undefined;
}

export function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--${flag} must be a whole number ≥ 1, got "${text}"`);
  return n;
}
