/**
 * The canary's state, kept in an annotation on the stable Deployment: the one place every run (and the
 * rollback in `finally`) reads, written only with the resourceVersion it was read at, so two runs cannot
 * both believe they own the Deployment.
 */
export const STATE_ANNOTATION = 'image-lifecycle.io/canary';
/** The images of the last promotion that succeeded: where a manual rollback goes back to. */
export const LAST_KNOWN_GOOD_ANNOTATION = 'image-lifecycle.io/last-known-good';
/** On the canary Deployment: which stable Deployment it belongs to. */
export const CANARY_OF_ANNOTATION = 'image-lifecycle.io/canary-of';

export type CanaryPhase = 'Progressing' | 'Promoting' | 'Aborting' | 'Succeeded' | 'Failed' | 'RolledBack';

const PHASES: readonly CanaryPhase[] = [
  'Progressing',
  'Promoting',
  'Aborting',
  'Succeeded',
  'Failed',
  'RolledBack',
];
const TERMINAL = new Set<CanaryPhase>(['Succeeded', 'Failed', 'RolledBack']);

export type TrafficConfig =
  { mode: 'route'; route: string; stableService: string; canaryService: string } | { mode: 'replicas' };

export interface CanaryState {
  version: 1;
  /** The PipelineRun (or TaskRun) that owns this canary. */
  run: string;
  phase: CanaryPhase;
  canaryDeployment: string;
  /** Target images by container name. */
  canaryImages: Record<string, string>;
  /** The stable Deployment's images before the canary: what an abort restores. */
  stableImages: Record<string, string>;
  /** The stable Deployment's replicas before the canary. */
  stableReplicas: number;
  traffic: TrafficConfig;
  /** Index of the next canary step to run. */
  step: number;
  /** The canary's share of traffic now, 0..100. */
  weight: number;
  /** When the current step began, so a resumed pause waits only what is left. */
  stepStartedAt?: string;
  startedAt: string;
  updatedAt: string;
  /** Why it failed, or how it ended. */
  message?: string;
  /** One line per finished analysis. */
  analysis: string[];
}

export interface LastKnownGood {
  images: Record<string, string>;
  at: string;
  run: string;
}

export function isTerminal(phase: CanaryPhase): boolean {
  return TERMINAL.has(phase);
}

const isRecord = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string');

/** Reads the annotation; undefined when absent. Unreadable state is reported, never silently replaced. */
export function parseState(text: string | undefined): CanaryState | undefined | Error {
  if (text === undefined || text === '') return undefined;
  let doc: Partial<CanaryState>;
  try {
    doc = JSON.parse(text) as Partial<CanaryState>;
  } catch {
    return new Error(`annotation ${STATE_ANNOTATION} is not JSON`);
  }
  if (
    doc?.version !== 1 ||
    typeof doc.run !== 'string' ||
    !PHASES.includes(doc.phase as CanaryPhase) ||
    typeof doc.canaryDeployment !== 'string' ||
    !isRecord(doc.canaryImages) ||
    !isRecord(doc.stableImages) ||
    typeof doc.step !== 'number' ||
    typeof doc.weight !== 'number'
  ) {
    return new Error(`annotation ${STATE_ANNOTATION} is not a canary state this version understands`);
  }
  return { ...doc, analysis: Array.isArray(doc.analysis) ? doc.analysis : [] } as CanaryState;
}

export function parseLastKnownGood(text: string | undefined): LastKnownGood | undefined {
  if (!text) return undefined;
  try {
    const doc = JSON.parse(text) as Partial<LastKnownGood>;
    return isRecord(doc.images) && typeof doc.at === 'string'
      ? { images: doc.images, at: doc.at, run: String(doc.run ?? '') }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a run may do given the state it found:
 * - free: no canary, or a finished one of another run: start a new one;
 * - resume: this run's own unfinished canary (the step was restarted): carry on from where it stopped;
 * - finished: this run's canary already ended: report how, change nothing;
 * - busy: another run's canary is unfinished: refuse.
 */
export type Ownership = 'free' | 'resume' | 'finished' | 'busy';

export function ownership(state: CanaryState | undefined, run: string): Ownership {
  if (!state) return 'free';
  if (isTerminal(state.phase)) return state.run === run ? 'finished' : 'free';
  return state.run === run ? 'resume' : 'busy';
}
