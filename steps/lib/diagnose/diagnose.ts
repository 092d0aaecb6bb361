import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { containerProblems, type ContainerProblem } from '../kube/pods.js';
import { parseReference } from '../oci/reference.js';
import {
  CATEGORY_TITLES,
  classifyPullError,
  PULL_FAILURE_REASONS,
  suggestFix,
  type PullFailureCategory,
} from './classify.js';
import { parsePulledMessage, type PulledReport } from './pulled.js';

export interface PullFailure {
  pod: string;
  container: string;
  init: boolean;
  image: string;
  /** The waiting reason: ErrImagePull, ImagePullBackOff, InvalidImageName... */
  reason: string;
  category: PullFailureCategory;
  title: string;
  /** The most specific error the kubelet gave: the failed pull's own message where there is one. */
  message: string;
  registry?: string;
  serviceAccount?: string;
  pullSecrets: string[];
  missingSecrets: string[];
  fix: string;
}

/** A container that pulled but does not run: crash loops, OOM kills, bad config. */
export interface RuntimeFailure {
  pod: string;
  container: string;
  reason: string;
  restarts: number;
  message?: string;
  lastTermination?: { reason?: string; exitCode: number };
}

export interface PullTiming extends PulledReport {
  pod: string;
  container?: string;
}

export interface Diagnosis {
  pods: number;
  pullFailures: PullFailure[];
  runtimeFailures: RuntimeFailure[];
  pulls: PullTiming[];
}

const eventTime = (e: CoreV1Event): number =>
  new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? 0).getTime();

/** `spec.containers{web}` → web */
function containerOfEvent(e: CoreV1Event): string | undefined {
  return /\{([^}]+)\}$/.exec(e.involvedObject.fieldPath ?? '')?.[1];
}

function registryOf(image: string): string | undefined {
  try {
    return parseReference(image).registry;
  } catch {
    return undefined;
  }
}

/** `Unable to retrieve some image pull secrets ("a", "b"); attempting...` → [a, b] */
function missingSecretsIn(events: CoreV1Event[]): string[] {
  const names = new Set<string>();
  for (const e of events) {
    if (e.reason !== 'FailedToRetrieveImagePullSecret') continue;
    for (const m of (e.message ?? '').matchAll(/"([^"]+)"/g)) names.add(m[1] as string);
  }
  return [...names];
}

/**
 * The error behind a pull failure. Since kubelet 1.30 the back-off waiting message carries it
 * (`Back-off pulling image "x": ErrImagePull: <error>`); before, only the `Failed` event does.
 */
function pullErrorOf(problem: ContainerProblem, events: CoreV1Event[]): string {
  const waiting = problem.message ?? '';
  const carried = /: (?:ErrImagePull|ImagePullBackOff): (.+)$/s.exec(waiting)?.[1];
  if (carried) return carried;
  const prefix = `Failed to pull image "${problem.image}": `;
  const failed = events
    .filter(
      (e) =>
        e.reason === 'Failed' &&
        e.message?.startsWith(prefix) &&
        (containerOfEvent(e) ?? problem.container) === problem.container,
    )
    .sort((a, b) => eventTime(b) - eventTime(a))[0];
  if (failed?.message) return failed.message.slice(prefix.length);
  const inspect = events.find(
    (e) => e.reason === 'InspectFailed' && (containerOfEvent(e) ?? problem.container) === problem.container,
  );
  if (inspect?.message) return inspect.message;
  return waiting || problem.reason;
}

function pullFailure(pod: V1Pod, problem: ContainerProblem, events: CoreV1Event[]): PullFailure {
  const message = pullErrorOf(problem, events);
  const category = classifyPullError(message, problem.reason);
  const registry = registryOf(problem.image);
  const pullSecrets = (pod.spec?.imagePullSecrets ?? [])
    .map((s) => s.name)
    .filter((n): n is string => Boolean(n));
  const missingSecrets = missingSecretsIn(events);
  const serviceAccount = pod.spec?.serviceAccountName;
  return {
    pod: problem.pod,
    container: problem.container,
    init: problem.init,
    image: problem.image,
    reason: problem.reason,
    category,
    title: CATEGORY_TITLES[category],
    message,
    ...(registry ? { registry } : {}),
    ...(serviceAccount ? { serviceAccount } : {}),
    pullSecrets,
    missingSecrets,
    fix: suggestFix(category, { registry, serviceAccount, pullSecrets, missingSecrets, message }),
  };
}

function runtimeFailure(problem: ContainerProblem): RuntimeFailure {
  // A container back in CrashLoopBackOff after an OOM kill is reported as the OOM kill: that is what to fix.
  const reason = problem.lastTermination?.reason === 'OOMKilled' ? 'OOMKilled' : problem.reason;
  return {
    pod: problem.pod,
    container: problem.container,
    reason,
    restarts: problem.restartCount,
    ...(problem.message ? { message: problem.message } : {}),
    ...(problem.lastTermination ? { lastTermination: problem.lastTermination } : {}),
  };
}

/**
 * Reads what the pods and their events say: each container that cannot pull, classified with a fix;
 * each container that pulled but does not run; and every pull duration the kubelet reported.
 * `events` may hold events of other objects: only those about the given pods are read.
 */
export function diagnosePods(pods: readonly V1Pod[], events: readonly CoreV1Event[]): Diagnosis {
  const byPod = new Map<string, CoreV1Event[]>();
  for (const e of events) {
    if (e.involvedObject.kind !== 'Pod' || !e.involvedObject.name) continue;
    const key = e.involvedObject.uid ?? e.involvedObject.name;
    byPod.set(key, [...(byPod.get(key) ?? []), e]);
  }
  const diagnosis: Diagnosis = { pods: pods.length, pullFailures: [], runtimeFailures: [], pulls: [] };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const podEvents = [
      ...(pod.metadata?.uid ? (byPod.get(pod.metadata.uid) ?? []) : []),
      ...(byPod.get(name) ?? []),
    ];
    for (const problem of containerProblems(pod)) {
      if (PULL_FAILURE_REASONS.has(problem.reason))
        diagnosis.pullFailures.push(pullFailure(pod, problem, podEvents));
      else diagnosis.runtimeFailures.push(runtimeFailure(problem));
    }
    for (const e of podEvents
      .filter((x) => x.reason === 'Pulled')
      .sort((a, b) => eventTime(a) - eventTime(b))) {
      const report = parsePulledMessage(e.message ?? '');
      const container = containerOfEvent(e);
      if (report) diagnosis.pulls.push({ pod: name, ...(container ? { container } : {}), ...report });
    }
  }
  return diagnosis;
}

/** Whether these pods need their events read to be diagnosed: only pull failures do. */
export function hasPullFailure(pods: readonly V1Pod[]): boolean {
  return pods.some((p) => containerProblems(p).some((c) => PULL_FAILURE_REASONS.has(c.reason)));
}

/** One line for a pull failure, as it goes into logs and the canary's abort reason. */
export function describePullFailure(f: PullFailure): string {
  return `pod ${f.pod} container ${f.container}: ${f.reason}: ${f.title} (${f.image}): ${f.message}; fix: ${f.fix}`;
}

export function describeRuntimeFailure(f: RuntimeFailure): string {
  const exit = f.lastTermination ? `, last exit code ${f.lastTermination.exitCode}` : '';
  return `pod ${f.pod} container ${f.container}: ${f.reason} (${f.restarts} restarts${exit})`;
}
