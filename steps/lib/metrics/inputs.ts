import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { parseJson } from '../config/load.js';

/** Reads a JSON file handed over by an earlier task (through a workspace); errors name the flag and file. */
export function readJsonFile(command: string, flag: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${command}: --${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : 'cannot be read'}`,
    );
  }
  try {
    return parseJson(text);
  } catch {
    throw new UsageError(`${command}: --${flag} ${path}: not valid JSON`);
  }
}

function seconds(command: string, flag: string, where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(
      `${command}: --${flag}: ${where} must be a number of seconds >= 0, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Pull durations as diagnose-pull reports them: `{"pulls":[{"image":"...","seconds":12.3}, ...]}`, or just
 * the array, of such objects or of plain numbers of seconds.
 */
export function parsePullDurations(command: string, flag: string, doc: unknown): number[] {
  const list = Array.isArray(doc) ? doc : (doc as { pulls?: unknown } | null)?.pulls;
  if (!Array.isArray(list))
    throw new UsageError(`${command}: --${flag}: expected {"pulls":[...]} or an array of pulls`);
  return list.map((entry: unknown, i) =>
    seconds(
      command,
      flag,
      `pull ${i}`,
      typeof entry === 'object' && entry !== null ? (entry as { seconds?: unknown }).seconds : entry,
    ),
  );
}

const OPERATION = /^[a-z][a-z0-9_-]{0,39}$/;

/**
 * Registry latencies: `{"operations":[{"operation":"manifest-get","seconds":0.12}, ...]}` (or the array
 * alone), one entry per call; several entries per operation make its p50 and p95.
 */
export function parseRegistryLatencies(command: string, flag: string, doc: unknown): Map<string, number[]> {
  const list = Array.isArray(doc) ? doc : (doc as { operations?: unknown } | null)?.operations;
  if (!Array.isArray(list))
    throw new UsageError(`${command}: --${flag}: expected {"operations":[...]} or an array of calls`);
  const byOperation = new Map<string, number[]>();
  list.forEach((entry: unknown, i) => {
    const { operation, seconds: value } = (entry ?? {}) as { operation?: unknown; seconds?: unknown };
    if (typeof operation !== 'string' || !OPERATION.test(operation)) {
      throw new UsageError(
        `${command}: --${flag}: call ${i} needs an "operation" such as "manifest-get" (lowercase, digits, - and _)`,
      );
    }
    const values = byOperation.get(operation) ?? [];
    values.push(seconds(command, flag, `call ${i}`, value));
    byOperation.set(operation, values);
  });
  return byOperation;
}

/** RFC 3339 or Unix seconds, as Tekton results and `date +%s` give them. */
export function parseTime(command: string, flag: string, value: string): Date {
  const text = value.trim();
  const date = /^\d+(\.\d+)?$/.test(text)
    ? new Date(Number(text) * 1000)
    : /^\d{4}-\d\d-\d\dT/.test(text)
      ? new Date(text)
      : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `${command}: --${flag} must be an RFC 3339 time (2025-01-04T10:00:00Z) or Unix seconds, got "${value}"`,
    );
  }
  return date;
}
