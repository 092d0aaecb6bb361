import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParamValue, ResultSpec } from './model.js';
import { parseJson } from '../config/load.js';

/** Kubernetes caps a container's termination message, which carries a step's results back to Tekton, at 4096 bytes. */
export const TERMINATION_MESSAGE_LIMIT = 4096;

/** Tekton's own message when results overflow the termination message. */
export const RESULTS_TOO_LARGE = `Termination message is above max allowed size ${TERMINATION_MESSAGE_LIMIT}, caused by large task result.`;

/**
 * The termination message Tekton's entrypoint writes at the end of a step: every declared result present in the
 * results directory (shared by the task's steps, so earlier steps' results count again) plus the step's start time,
 * as JSON. Its size, not the sum of the values, is what Kubernetes limits.
 */
export function terminationMessage(results: Readonly<Record<string, string>>, startedAt: Date): string {
  const entries = [
    { key: 'StartedAt', value: startedAt.toISOString(), type: 3 },
    ...Object.entries(results).map(([key, value]) => ({ key, value, type: 1 })),
  ];
  return JSON.stringify(entries);
}

export function exceedsTerminationMessage(
  results: Readonly<Record<string, string>>,
  startedAt: Date,
): boolean {
  return Buffer.byteLength(terminationMessage(results, startedAt)) > TERMINATION_MESSAGE_LIMIT;
}

/** A result's value by its declared type: strings verbatim (whitespace included, as Tekton keeps it), arrays and objects from JSON. */
export function parseResultValue(spec: ResultSpec, text: string): ParamValue {
  if (spec.type === 'string') return text;
  let value: unknown;
  try {
    value = parseJson(text);
  } catch {
    throw new Error(`result ${spec.name} is declared ${spec.type} but is not JSON`);
  }
  const strings = (values: unknown[]) => values.every((v) => typeof v === 'string');
  if (spec.type === 'array' && Array.isArray(value) && strings(value)) return value as string[];
  if (
    spec.type === 'object' &&
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    strings(Object.values(value))
  ) {
    return value as Record<string, string>;
  }
  throw new Error(
    `result ${spec.name} is declared ${spec.type} but is not a JSON ${spec.type === 'array' ? 'list' : 'mapping'} of strings`,
  );
}

/** The declared results a task's steps wrote so far, as raw text. */
export function readResultFiles(dir: string, specs: readonly ResultSpec[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const file = join(dir, spec.name);
    if (existsSync(file)) out[spec.name] = readFileSync(file, 'utf8');
  }
  return out;
}
