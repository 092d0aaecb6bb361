/**
 * What the fault proxy can do to one request instead of (or on the way to) forwarding it.
 * - '429': answer 429 with Retry-After (seconds) and a TOOMANYREQUESTS error body.
 * - '503': answer 503 once.
 * - 'reset': destroy the connection before answering.
 * - 'truncate': forward, then send the headers with the full Content-Length and only half the body, and cut the
 *   connection. A response without a body cannot be cut short: it is reset instead, and counted as 'reset'.
 * - 'delay': wait before forwarding.
 * - 'persistent503': start an outage; this and every later request gets 503 until the proxy recovers.
 */
export type FaultKind = '429' | '503' | 'reset' | 'truncate' | 'delay' | 'persistent503';

export const FAULT_KINDS: readonly FaultKind[] = [
  '429',
  '503',
  'reset',
  'truncate',
  'delay',
  'persistent503',
];

export type Fault =
  | { kind: '429'; retryAfterSeconds?: number }
  | { kind: '503' | 'reset' | 'truncate' | 'persistent503' }
  | { kind: 'delay'; ms?: number };

export interface RequestInfo {
  /** 0-based arrival order at the proxy. */
  index: number;
  method: string;
  /** Path and query as the client sent them. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export type FaultChoice = Fault | FaultKind | undefined;

/**
 * Which requests get a fault. A script is exact: an array is consumed one entry per request (undefined passes
 * the request through; past the end everything passes), a function decides per request. A seeded plan picks
 * faults at `rate` from `kinds`, the same sequence for the same seed and request order.
 */
export type FaultPlan =
  | { script: readonly FaultChoice[] | ((request: RequestInfo) => FaultChoice) }
  | { seed: number; rate: number; kinds: readonly FaultKind[]; delayMs?: number; retryAfterSeconds?: number };

export type FaultChooser = (request: RequestInfo) => Fault | undefined;

export function toFault(choice: FaultChoice): Fault | undefined {
  return typeof choice === 'string' ? ({ kind: choice } as Fault) : choice;
}

/** mulberry32: tiny, fast and good enough to spread faults; the point is reproducibility, not quality. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function faultChooser(plan: FaultPlan | undefined): FaultChooser {
  if (!plan) return () => undefined;
  if ('script' in plan) {
    const { script } = plan;
    if (typeof script === 'function') return (request) => toFault(script(request));
    let position = 0;
    return () => toFault(script[position++]);
  }
  if (plan.rate < 0 || plan.rate > 1) throw new Error(`fault rate must be between 0 and 1, got ${plan.rate}`);
  if (plan.kinds.length === 0) throw new Error('a seeded fault plan needs at least one kind');
  const random = seededRandom(plan.seed);
  return () => {
    // Two draws per request whatever the outcome, so one request's fate does not shift the next one's.
    const hit = random() < plan.rate;
    const kind = plan.kinds[Math.floor(random() * plan.kinds.length)] as FaultKind;
    if (!hit) return undefined;
    if (kind === 'delay') return { kind, ms: plan.delayMs };
    if (kind === '429') return { kind, retryAfterSeconds: plan.retryAfterSeconds };
    return { kind };
  };
}
