import { UsageError } from '../errors.js';
import { parseDuration } from '../runner/duration.js';
import type { FlagSpecs } from '../tekton/args.js';

/** Flags of the steps that wait on the cluster (canary, rollback). */
export const waitFlags = {
  'poll-interval': {
    type: 'string',
    description: 'How often pods and rollouts are looked at',
    default: '5s',
    valueName: 'DURATION',
  },
  'rollout-timeout': {
    type: 'string',
    description: 'How long the stable Deployment may take to roll out',
    default: '10m',
    valueName: 'DURATION',
  },
} as const satisfies FlagSpecs;

/** Flags naming the run a canary belongs to. */
export const runFlags = {
  run: {
    type: 'string',
    description: 'The PipelineRun that owns the canary: $(context.pipelineRun.name)',
    valueName: 'NAME',
  },
  'task-run': {
    type: 'string',
    description: 'The TaskRun, used when there is no PipelineRun',
    valueName: 'NAME',
  },
} as const satisfies FlagSpecs;

const MAX_SHOWN = 80;

/** A value as an error message repeats it: bounded, so a huge input does not become a huge line. */
export function shown(value: string): string {
  return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
}

/** Any value (a number, an object from YAML) as JSON, bounded the same way. */
export function shownJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

const MAX_DURATION_MS = 7 * 24 * 3_600_000;

export function durationFlag(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0 || ms > MAX_DURATION_MS) {
    throw new UsageError(
      `--${flag} ${shown(value)} is not a duration from 1ms to 168h, such as 5s, 500ms or 2m`,
    );
  }
  return ms;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A Kubernetes object name, checked before it reaches the API server: a Deployment, Route or
 * ServiceAccount is a DNS subdomain (253), a Service or container a DNS label (63).
 */
export function k8sName(flag: string, value: string, kind: 'subdomain' | 'label' = 'subdomain'): string {
  const max = kind === 'label' ? 63 : 253;
  if (value.length > max || !(kind === 'label' ? LABEL : SUBDOMAIN).test(value)) {
    const allowed =
      kind === 'label' ? "lowercase letters, digits and '-'" : "lowercase letters, digits, '-' and '.'";
    throw new UsageError(`--${flag} ${shown(value)} is not a Kubernetes name (${allowed}, at most ${max})`);
  }
  return value;
}

/** Checks each of these name flags that was given (empty means not given, as Tekton passes unset params). */
export function checkNames(
  flags: Record<string, unknown>,
  names: Record<string, 'subdomain' | 'label'>,
): void {
  for (const [flag, kind] of Object.entries(names)) {
    const value = flags[flag];
    if (typeof value === 'string' && value !== '') k8sName(flag, value, kind);
  }
}

/**
 * The run that owns the canary: the PipelineRun when the task runs in one, else the TaskRun. Both are
 * checked when given, even the one not used. A dry run needs no owner.
 */
export function ownerRun(run: string | undefined, taskRun: string | undefined, optional = false): string {
  checkNames({ run: run ?? '', 'task-run': taskRun ?? '' }, { run: 'subdomain', 'task-run': 'subdomain' });
  const owner = run?.trim() || taskRun?.trim();
  if (owner) return owner;
  if (optional) return 'dry-run';
  throw new UsageError('give --run (the PipelineRun, $(context.pipelineRun.name)) or --task-run');
}

const SELECTOR = /^[A-Za-z0-9_.\-/=!,() ]+$/;

/** A label selector as kubectl takes it (`app=web,track in (canary),!legacy`), checked for its alphabet and length. */
export function selectorFlag(flag: string, value: string): string {
  if (value.length > 1024 || !SELECTOR.test(value)) {
    throw new UsageError(`--${flag} ${shown(value)} is not a label selector such as app=web,track=canary`);
  }
  return value;
}
