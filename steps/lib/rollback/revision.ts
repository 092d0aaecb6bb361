import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { GateError, UsageError } from '../errors.js';
import { REVISION_ANNOTATION, revisionOf } from '../kube/replicasets.js';

/** Annotations `kubectl rollout undo` never copies from a ReplicaSet to its Deployment. */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

const HASH_LABEL = 'pod-template-hash';

/**
 * The revision the Deployment's template is: that of the ReplicaSet with the same template. Not the
 * revision annotation, which lags a template change until the controller has seen it; a template no
 * ReplicaSet has yet is newer than all of them.
 */
export function currentRevision(deployment: V1Deployment, replicaSets: readonly V1ReplicaSet[]): number {
  const wanted = canonical(deployment.spec?.template);
  const matching = replicaSets.find((rs) => canonical(templateOf(rs)) === wanted);
  return matching ? revisionOf(matching) : Number.POSITIVE_INFINITY;
}

/** The ReplicaSet of a revision; 0 means the one before the current, as `kubectl rollout undo` takes it. */
export function findRevision(
  deployment: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
  revision: number,
): V1ReplicaSet {
  const name = deployment.metadata?.name;
  const known = replicaSets
    .map(revisionOf)
    .filter((r) => r > 0)
    .sort((a, b) => a - b);
  if (revision === 0) {
    const current = currentRevision(deployment, replicaSets);
    const previous = replicaSets
      .filter((rs) => revisionOf(rs) > 0 && revisionOf(rs) < current)
      .sort((a, b) => revisionOf(b) - revisionOf(a))[0];
    if (!previous)
      throw new GateError(
        `deployment "${name}" has no revision before its current one to roll back to (revisions kept: ${known.join(', ') || 'none'})`,
      );
    return previous;
  }
  const found = replicaSets.find((rs) => revisionOf(rs) === revision);
  if (!found)
    throw new UsageError(
      `--revision ${revision}: deployment "${name}" has no such revision (revisions kept: ${known.join(', ') || 'none'})`,
    );
  return found;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The ReplicaSet's pod template as a Deployment's: without the hash label the controller added. */
export function templateOf(rs: V1ReplicaSet): V1PodTemplateSpec {
  const template = structuredClone(rs.spec?.template ?? {});
  if (template.metadata?.labels) {
    delete template.metadata.labels[HASH_LABEL];
  }
  return template;
}

export interface RevisionRollback {
  revision: number;
  template: V1PodTemplateSpec;
  /** The ReplicaSet's own annotations to set on the Deployment (kubernetes.io/change-cause and the like). */
  annotations: Record<string, string>;
  /** The Deployment already runs this template. */
  unchanged: boolean;
}

/** What `kubectl rollout undo` would write: the revision's template, and its annotations. */
export function planRevisionRollback(deployment: V1Deployment, rs: V1ReplicaSet): RevisionRollback {
  const template = templateOf(rs);
  const annotations = Object.fromEntries(
    Object.entries(rs.metadata?.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k)),
  );
  return {
    revision: revisionOf(rs),
    template,
    annotations,
    unchanged: canonical(template) === canonical(deployment.spec?.template),
  };
}
