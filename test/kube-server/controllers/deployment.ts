import type { Api } from '../api.js';
import type { EventRecorder } from '../events.js';
import { canonicalJson, clone } from '../json.js';
import { controllerOf, ownerRef, type Condition, type Deployment, type ReplicaSet } from '../model.js';
import { podTemplateHash } from '../names.js';
import { resourceByKind } from '../resources.js';
import { timestamp } from '../store.js';
import {
  newReplicaSetTarget,
  oldReplicaSetTargets,
  resolveFenceposts,
  type ReplicaSetCounts,
} from './rolling.js';

const DEPLOYMENTS = resourceByKind('Deployment');
const REPLICASETS = resourceByKind('ReplicaSet');
export const REVISION = 'deployment.kubernetes.io/revision';
const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';
const HASH_LABEL = 'pod-template-hash';
const SOURCE = { component: 'deployment-controller' };

const revisionOf = (rs: ReplicaSet): number => Number(rs.metadata.annotations?.[REVISION] ?? 0);

/** A pod template without the hash label the controller adds, for comparing a ReplicaSet with its deployment. */
function templateKey(template: unknown): string {
  const copy = clone(template) as { metadata?: { labels?: Record<string, string> } };
  delete copy.metadata?.labels?.[HASH_LABEL];
  return canonicalJson(copy);
}

/**
 * SetDeploymentCondition: a condition with the same status and reason is left alone (timestamps too),
 * unless `refresh` asks to record fresh progress; a status change moves lastTransitionTime.
 */
function setCondition(conditions: Condition[], next: Condition, now: string, refresh = false): Condition[] {
  const current = conditions.find((c) => c.type === next.type);
  if (current && current.status === next.status && current.reason === next.reason && !refresh)
    return conditions;
  const merged: Condition = {
    ...next,
    lastUpdateTime: now,
    lastTransitionTime: current && current.status === next.status ? (current.lastTransitionTime ?? now) : now,
  };
  const order = (c: Condition) => (c.type === 'Available' ? 0 : 1);
  return [...conditions.filter((c) => c.type !== next.type), merged].sort((a, b) => order(a) - order(b));
}

/**
 * The deployment controller: one ReplicaSet per pod template (named by the template hash, numbered by
 * `deployment.kubernetes.io/revision`), rolling updates within maxSurge/maxUnavailable or Recreate, old
 * ReplicaSets pruned past revisionHistoryLimit, and status with Available/Progressing conditions,
 * including ProgressDeadlineExceeded when a rollout makes no progress for progressDeadlineSeconds.
 */
export class DeploymentController {
  constructor(
    private readonly api: Api,
    private readonly events: EventRecorder,
  ) {}

  syncAll(): void {
    for (const d of this.api.store.list(DEPLOYMENTS) as Deployment[]) this.sync(d);
  }

  private sync(d: Deployment): void {
    const namespace = d.metadata.namespace as string;
    const owned = (this.api.store.list(REPLICASETS, namespace) as ReplicaSet[])
      .filter((rs) => controllerOf(rs)?.uid === d.metadata.uid)
      .sort(
        (a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
          revisionOf(a) - revisionOf(b),
      );
    const key = templateKey(d.spec.template);
    let newRS = owned.find((rs) => templateKey(rs.spec.template) === key);
    const old = owned.filter((rs) => rs !== newRS);
    const desired = d.spec.replicas ?? 1;
    let created = false;

    if (!d.spec.paused) {
      if (!newRS) {
        newRS = this.createReplicaSet(d, owned);
        if (!newRS) return;
        created = true;
      } else {
        newRS = this.promoteRevision(newRS, old);
      }
      this.annotateRevision(d, newRS);
      if (d.spec.strategy?.type === 'Recreate') this.recreate(d, newRS, old, desired);
      else this.rollingUpdate(d, newRS, old, desired);
      this.pruneHistory(d, old);
    } else if (
      newRS &&
      (newRS.spec.replicas ?? 0) !== desired &&
      old.every((rs) => (rs.spec.replicas ?? 0) === 0)
    ) {
      // A paused deployment still scales: proportionally in Kubernetes, here only when no rollout is half done.
      this.scale(d, newRS, desired);
    }
    this.writeStatus(d, newRS, old, desired, created);
  }

  private createReplicaSet(d: Deployment, owned: ReplicaSet[]): ReplicaSet | undefined {
    const collisions = d.status?.collisionCount ?? 0;
    const hash = podTemplateHash(d.spec.template, collisions);
    const template = clone(d.spec.template);
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [HASH_LABEL]: hash },
    };
    const revision = Math.max(0, ...owned.map(revisionOf)) + 1;
    const { surge } = this.fenceposts(d);
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        annotations: {
          [REVISION]: String(revision),
          [DESIRED]: String(d.spec.replicas ?? 1),
          [MAX]: String((d.spec.replicas ?? 1) + surge),
        },
        ownerReferences: [ownerRef(d)],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec.minReadySeconds ?? 0,
        selector: { ...d.spec.selector, matchLabels: { ...d.spec.selector.matchLabels, [HASH_LABEL]: hash } },
        template,
      },
    };
    const clash = this.api.store.get(REPLICASETS, d.metadata.namespace, rs.metadata.name as string);
    if (clash) {
      // A ReplicaSet of that name with another template: count the collision; the next sync hashes anew.
      this.api.writeStatus(DEPLOYMENTS, { ...d, status: { ...d.status, collisionCount: collisions + 1 } });
      return undefined;
    }
    return this.api.create(REPLICASETS, d.metadata.namespace, rs) as ReplicaSet;
  }

  /** Rolling back to an older template gives its ReplicaSet the newest revision, remembering the old number. */
  private promoteRevision(rs: ReplicaSet, old: ReplicaSet[]): ReplicaSet {
    const newest = Math.max(0, ...old.map(revisionOf));
    const current = revisionOf(rs);
    if (current > newest) return rs;
    const annotations: Record<string, string> = {
      ...rs.metadata.annotations,
      [REVISION]: String(newest + 1),
    };
    const history = rs.metadata.annotations?.[REVISION_HISTORY];
    annotations[REVISION_HISTORY] = history ? `${history},${current}` : String(current);
    return this.api.store.update(REPLICASETS, {
      ...rs,
      metadata: { ...rs.metadata, annotations },
    }) as ReplicaSet;
  }

  private annotateRevision(d: Deployment, rs: ReplicaSet): void {
    const revision = rs.metadata.annotations?.[REVISION];
    if (!revision || d.metadata.annotations?.[REVISION] === revision) return;
    const current = this.api.store.get(
      DEPLOYMENTS,
      d.metadata.namespace,
      d.metadata.name as string,
    ) as Deployment;
    current.metadata.annotations = { ...current.metadata.annotations, [REVISION]: revision };
    Object.assign(d, this.api.store.update(DEPLOYMENTS, current));
  }

  private fenceposts(d: Deployment) {
    const ru = d.spec.strategy?.rollingUpdate;
    return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, d.spec.replicas ?? 1);
  }

  private counts(rs: ReplicaSet): ReplicaSetCounts {
    return {
      name: rs.metadata.name as string,
      replicas: rs.spec.replicas ?? 0,
      available: rs.status?.availableReplicas ?? 0,
    };
  }

  private rollingUpdate(d: Deployment, newRS: ReplicaSet, old: ReplicaSet[], desired: number): void {
    const { surge, unavailable } = this.fenceposts(d);
    const all = [newRS, ...old].map((rs) => this.counts(rs));
    const target = newReplicaSetTarget(desired, surge, this.counts(newRS), all);
    if (target !== (newRS.spec.replicas ?? 0)) {
      newRS = this.scale(d, newRS, target);
    }
    const targets = oldReplicaSetTargets(
      desired,
      unavailable,
      this.counts(newRS),
      old.map((rs) => this.counts(rs)),
    );
    for (const rs of old) {
      const want = targets.get(rs.metadata.name as string) ?? 0;
      if (want !== (rs.spec.replicas ?? 0)) this.scale(d, rs, want);
    }
  }

  private recreate(d: Deployment, newRS: ReplicaSet, old: ReplicaSet[], desired: number): void {
    for (const rs of old) if ((rs.spec.replicas ?? 0) > 0) this.scale(d, rs, 0);
    const oldPods = old.reduce((sum, rs) => sum + (rs.status?.replicas ?? 0), 0);
    if (oldPods === 0 && (newRS.spec.replicas ?? 0) !== desired) this.scale(d, newRS, desired);
  }

  private scale(d: Deployment, rs: ReplicaSet, replicas: number): ReplicaSet {
    const from = rs.spec.replicas ?? 0;
    const { surge } = this.fenceposts(d);
    const annotations = {
      ...rs.metadata.annotations,
      [DESIRED]: String(d.spec.replicas ?? 1),
      [MAX]: String((d.spec.replicas ?? 1) + surge),
    };
    const updated = this.api.store.update(REPLICASETS, {
      ...rs,
      metadata: { ...rs.metadata, annotations },
      spec: { ...rs.spec, replicas },
    }) as ReplicaSet;
    const direction = replicas > from ? 'up' : 'down';
    this.events.record(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${direction} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
      SOURCE,
    );
    return updated;
  }

  /** Keeps the newest revisionHistoryLimit old ReplicaSets that are scaled to zero; deletes the rest. */
  private pruneHistory(d: Deployment, old: ReplicaSet[]): void {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const idle = old
      .filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      this.api.delete(REPLICASETS, rs.metadata.namespace, rs.metadata.name as string);
    }
  }

  private writeStatus(
    d: Deployment,
    newRS: ReplicaSet | undefined,
    oldRSs: ReplicaSet[],
    desired: number,
    created: boolean,
  ): void {
    const namespace = d.metadata.namespace;
    const fresh = (rs: ReplicaSet) =>
      (this.api.store.get(REPLICASETS, namespace, rs.metadata.name as string) as ReplicaSet | undefined) ??
      rs;
    const current = newRS ? fresh(newRS) : undefined;
    const old = oldRSs.map(fresh);
    const all = current ? [current, ...old] : old;
    const sum = (f: (rs: ReplicaSet) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
    const before = d.status ?? {};
    const now = timestamp(this.api.store.now());
    const status: NonNullable<Deployment['status']> = {
      observedGeneration: d.metadata.generation,
      replicas: sum((rs) => rs.status?.replicas),
      updatedReplicas: current?.status?.replicas ?? 0,
      readyReplicas: sum((rs) => rs.status?.readyReplicas),
      availableReplicas: sum((rs) => rs.status?.availableReplicas),
      unavailableReplicas: Math.max(0, desired - sum((rs) => rs.status?.availableReplicas)),
    };
    if (before.collisionCount) status.collisionCount = before.collisionCount;
    const { unavailable } = this.fenceposts(d);
    let conditions = setCondition(
      before.conditions ?? [],
      (status.availableReplicas ?? 0) >= desired - unavailable
        ? {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          }
        : {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
          },
      now,
    );
    conditions = this.progressing(d, conditions, status, current, old, created, now);
    status.conditions = conditions;
    this.api.writeStatus(DEPLOYMENTS, { ...d, status });
  }

  /** syncRolloutStatus: complete, progressing (fresh lastUpdateTime), or timed out past progressDeadlineSeconds. */
  private progressing(
    d: Deployment,
    conditions: Condition[],
    status: NonNullable<Deployment['status']>,
    newRS: ReplicaSet | undefined,
    old: ReplicaSet[],
    created: boolean,
    now: string,
  ): Condition[] {
    const rs = `ReplicaSet "${newRS?.metadata.name ?? ''}"`;
    const progressing = (
      reason: string,
      message: string,
      state: Condition['status'] = 'True',
      refresh = false,
    ) =>
      (conditions = setCondition(
        conditions,
        { type: 'Progressing', status: state, reason, message },
        now,
        refresh,
      ));
    const previous = () => conditions.find((c) => c.type === 'Progressing');
    if (d.spec.paused) {
      progressing('DeploymentPaused', 'Deployment is paused', 'Unknown');
      return conditions;
    }
    if (previous()?.reason === 'DeploymentPaused')
      progressing('DeploymentResumed', 'Deployment is resumed', 'Unknown');
    if (created)
      progressing(
        'NewReplicaSetCreated',
        `Created new replica set "${newRS?.metadata.name ?? ''}"`,
        'True',
        true,
      );
    else if (!previous())
      progressing('FoundNewReplicaSet', `Found new replica set "${newRS?.metadata.name ?? ''}"`);

    const desired = d.spec.replicas ?? 1;
    const before = d.status ?? {};
    const complete =
      status.updatedReplicas === desired &&
      status.replicas === desired &&
      status.availableReplicas === desired &&
      (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
    const oldNow = old.reduce((n, r) => n + (r.status?.replicas ?? 0), 0);
    const oldBefore = (before.replicas ?? 0) - (before.updatedReplicas ?? 0);
    const progressed =
      (status.updatedReplicas ?? 0) > (before.updatedReplicas ?? 0) ||
      (status.readyReplicas ?? 0) > (before.readyReplicas ?? 0) ||
      (status.availableReplicas ?? 0) > (before.availableReplicas ?? 0) ||
      oldNow < oldBefore;
    const current = previous();
    const deadline = d.spec.progressDeadlineSeconds;
    const since = Date.parse(current?.lastUpdateTime ?? now);
    const timedOut =
      deadline !== undefined &&
      current !== undefined &&
      current.reason !== 'NewReplicaSetAvailable' &&
      (current.reason === 'ProgressDeadlineExceeded' ||
        this.api.store.now().getTime() - since > deadline * 1000);
    if (complete) progressing('NewReplicaSetAvailable', `${rs} has successfully progressed.`);
    else if (progressed) progressing('ReplicaSetUpdated', `${rs} is progressing.`, 'True', true);
    else if (timedOut) progressing('ProgressDeadlineExceeded', `${rs} has timed out progressing.`, 'False');
    return conditions;
  }
}
