import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { ScanReport } from './finding.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from './policy.js';
import { parseScanReport, splitReportArg } from './reports.js';

function readInput(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** Reads and normalizes every `--report [os/arch[/variant]=]PATH`. */
export function readScanReports(values: readonly string[]): ScanReport[] {
  return values.map((value) => {
    const { path, platform } = splitReportArg(value);
    if (!path) throw new UsageError(`--report "${value}": no file after the platform`);
    return parseScanReport({ source: path, text: readInput('--report', path), platform });
  });
}

export interface LoadedPolicy {
  policy: Policy;
  source: string;
  /** Digest of the policy text, so a report records exactly which policy judged it. */
  sha256?: string;
}

/** The policy file, or `policy.yaml` in a directory: a ConfigMap mounted as a workspace is a directory. */
export function readPolicy(given: string | undefined): LoadedPolicy {
  if (!given) return { policy: DEFAULT_POLICY, source: 'built-in default' };
  const path = isDirectory(given) ? join(given, POLICY_FILE) : given;
  const text = readInput('--policy', path);
  return {
    policy: parsePolicy(text, path),
    source: path,
    sha256: `sha256:${createHash('sha256').update(text).digest('hex')}`,
  };
}

const POLICY_FILE = 'policy.yaml';

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
