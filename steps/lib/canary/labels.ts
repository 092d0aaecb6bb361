import type { V1LabelSelector } from '@kubernetes/client-node';
import { shown } from '../deploy/flags.js';
import { UsageError } from '../errors.js';

/** Whether a label selector (matchLabels and matchExpressions, as the API server reads them) selects these labels. */
export function selectorMatches(
  selector: V1LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const have = labels ?? {};
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (have[k] !== v) return false;
  for (const e of selector?.matchExpressions ?? []) {
    const value = have[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === 'In'
        ? value !== undefined && values.includes(value)
        : e.operator === 'NotIn'
          ? value === undefined || !values.includes(value)
          : e.operator === 'Exists'
            ? value !== undefined
            : e.operator === 'DoesNotExist'
              ? value === undefined
              : false;
    if (!ok) return false;
  }
  return true;
}

/** `track=canary` → [track, canary] */
export function parseLabel(flag: string, text: string): [string, string] {
  const match = /^([A-Za-z0-9][-A-Za-z0-9_./]*)=([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/.exec(text);
  if (!match) throw new UsageError(`--${flag} ${shown(text)} is not key=value, e.g. track=canary`);
  return [match[1] as string, match[2] as string];
}
