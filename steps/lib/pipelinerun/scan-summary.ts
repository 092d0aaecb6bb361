import { UsageError } from '../errors.js';
import { SEVERITIES_DESC, normalizeSeverity, type Severity } from '../scan/severity.js';
import { parseJson } from '../config/load.js';

export interface ScanSummary {
  /** Vulnerability counts per severity, only the severities the summary named. */
  counts: Partial<Record<Severity, number>>;
  /** The gate's verdict when the summary carries one (pass, block, ...). */
  decision?: string;
  /** A summary that is not counts, shown as it came. */
  text?: string;
}

const MAX_TEXT = 500;

/**
 * Reads the scan task's summary result in any of the shapes it can take: a JSON object of counts keyed by
 * severity (`{"CRITICAL":0,"HIGH":2}`), the same under `counts`, with an optional `decision` or `blocked`;
 * `CRITICAL=0 HIGH=2` pairs; or free text. Empty means no scan ran.
 */
export function parseScanSummary(command: string, value: string | undefined): ScanSummary | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (text.startsWith('{')) return fromJson(command, text);
  // Anchored at a word start: unanchored, a long run of letters costs quadratic time to reject.
  const pairs = [...text.matchAll(/\b([A-Za-z]+)\s*[=:]\s*(\d+)/g)];
  if (pairs.length > 0) {
    const counts: ScanSummary['counts'] = {};
    for (const [, word, n] of pairs) {
      const severity = severityOf(word ?? '');
      if (severity) counts[severity] = Number(n);
    }
    if (Object.keys(counts).length > 0) return { counts };
  }
  return { counts: {}, text: text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + '…' : text };
}

function fromJson(command: string, text: string): ScanSummary {
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch {
    throw new UsageError(`${command}: --scan-summary starts like JSON but is not valid JSON`);
  }
  const root = parsed as Record<string, unknown>;
  const source = isObject(root.counts) ? root.counts : root;
  const counts: ScanSummary['counts'] = {};
  for (const [key, n] of Object.entries(source)) {
    const severity = severityOf(key);
    if (!severity) continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new UsageError(
        `${command}: --scan-summary count for ${key} must be a whole number, got ${JSON.stringify(n)}`,
      );
    }
    counts[severity] = n;
  }
  const summary: ScanSummary = { counts };
  if (typeof root.decision === 'string' && root.decision) summary.decision = root.decision;
  else if (typeof root.blocked === 'boolean') summary.decision = root.blocked ? 'block' : 'pass';
  return summary;
}

function severityOf(word: string): Severity | undefined {
  if (word.toLowerCase() === 'unknown') return 'UNKNOWN';
  const severity = normalizeSeverity(word);
  return severity === 'UNKNOWN' ? undefined : severity;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "2 critical, 5 high" in severity order, or the summary's text; "no findings" when every count is 0. */
export function describeScan(summary: ScanSummary): string {
  if (summary.text) return summary.text;
  const parts = SEVERITIES_DESC.filter((s) => (summary.counts[s] ?? 0) > 0).map(
    (s) => `${summary.counts[s]} ${s.toLowerCase()}`,
  );
  const counts = parts.length ? parts.join(', ') : 'no findings';
  return summary.decision ? `${counts} (gate: ${summary.decision})` : counts;
}
