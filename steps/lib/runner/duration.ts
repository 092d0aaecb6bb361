const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses a duration the way Tekton does (Go's time.ParseDuration): "90s", "1h30m", "1.5h", "0". Returns
 * milliseconds, or undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (trimmed === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  while (PART.lastIndex < trimmed.length) {
    const match = PART.exec(trimmed);
    if (!match) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  // Beyond this the sum has lost its precision: "99999999999999999999h" is a typo, not a duration.
  return Number.isSafeInteger(Math.round(total)) ? Math.round(total) : undefined;
}

/** "1.2s", "3m04s", "1h02m": short enough for a table column. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h${pad(m)}m` : `${m}m${pad(s)}s`;
}

/** The longest wait a Node timer can hold; a longer one fires at once (TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timeout as a timer can hold it: a month-long Tekton timeout is, to a local run, no timeout at all. */
export function timerMs(ms: number): number {
  return Math.min(ms, MAX_TIMER_MS);
}
