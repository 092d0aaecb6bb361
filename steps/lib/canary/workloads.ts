import type { V1Deployment, V1LabelSelector } from '@kubernetes/client-node';
import { lastingTemplatePullFailure } from '../diagnose/collect.js';
import { describePullFailure } from '../diagnose/diagnose.js';
import { UsageError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import {
  getDeployment,
  patchDeployment,
  updateDeployment,
  waitForRollout,
  type RolloutResult,
} from '../kube/deployments.js';
import { KubeNotFoundError } from '../kube/errors.js';
import type { Logger } from '../tekton/log.js';
import { selectorMatches } from './labels.js';
import { CANARY_OF_ANNOTATION } from './state.js';

/** Container name → image, of the pod template. */
export function containerImages(deployment: V1Deployment): Record<string, string> {
  return Object.fromEntries(
    (deployment.spec?.template.spec?.containers ?? []).map((c) => [c.name, c.image ?? '']),
  );
}

/** The container the canary changes: the one named, or the only one. */
export function pickContainer(deployment: V1Deployment, name: string | undefined): string {
  const names = Object.keys(containerImages(deployment));
  if (name) {
    if (!names.includes(name))
      throw new UsageError(
        `--container "${name}" is not in deployment "${deployment.metadata?.name}" (containers: ${names.join(', ')})`,
      );
    return name;
  }
  if (names.length !== 1)
    throw new UsageError(
      `deployment "${deployment.metadata?.name}" has containers ${names.join(', ')}: name the one to change with --container`,
    );
  return names[0] as string;
}

/** A strategic merge patch that sets images by container name, leaving everything else of the template alone. */
export function imagesPatch(images: Record<string, string>, replicas?: number): Record<string, unknown> {
  return {
    spec: {
      ...(replicas !== undefined ? { replicas } : {}),
      template: { spec: { containers: Object.entries(images).map(([name, image]) => ({ name, image })) } },
    },
  };
}

export function sameImages(deployment: V1Deployment, images: Record<string, string>): boolean {
  const current = containerImages(deployment);
  return Object.entries(images).every(([name, image]) => current[name] === image);
}

export async function setImages(
  client: KubeClient,
  name: string,
  namespace: string,
  images: Record<string, string>,
  replicas?: number,
): Promise<V1Deployment> {
  return patchDeployment(client, name, 'strategic', imagesPatch(images, replicas), namespace);
}

export async function scale(
  client: KubeClient,
  name: string,
  namespace: string,
  replicas: number,
): Promise<void> {
  await patchDeployment(client, name, 'merge', { spec: { replicas } }, namespace);
}

/** Scales to zero, counting a Deployment that is not there as done. */
export async function scaleToZero(client: KubeClient, name: string, namespace: string): Promise<void> {
  try {
    await scale(client, name, namespace, 0);
  } catch (err) {
    if (!(err instanceof KubeNotFoundError)) throw err;
  }
}

export function awaitRollout(
  client: KubeClient,
  name: string,
  namespace: string,
  timeoutMs: number,
  intervalMs: number,
  log: Logger,
): Promise<RolloutResult> {
  const stalled = async (deployment: V1Deployment): Promise<string | undefined> => {
    const failure = await lastingTemplatePullFailure(client, deployment, namespace);
    return failure && `its pods cannot pull the image: ${failure.category}: ${describePullFailure(failure)}`;
  };
  return waitForRollout(
    client,
    name,
    { timeoutMs, intervalMs, onProgress: (m) => log.info(m), stalled },
    namespace,
  );
}

export interface CanaryWorkload {
  name: string;
  labels: Record<string, string>;
  selector: V1LabelSelector;
}

/**
 * The canary's pod labels and selector: the stable's, with the canary label (track=canary) set. The
 * stable Deployment must not select them, or its ReplicaSets and Service would take the canary's pods
 * for their own.
 */
export function canaryIdentity(stable: V1Deployment, name: string, label: [string, string]): CanaryWorkload {
  const [key, value] = label;
  const stableName = stable.metadata?.name ?? '';
  const labels = { ...stable.spec?.template.metadata?.labels, [key]: value };
  const selector: V1LabelSelector = {
    matchLabels: { ...stable.spec?.selector.matchLabels, [key]: value },
    ...(stable.spec?.selector.matchExpressions
      ? { matchExpressions: stable.spec.selector.matchExpressions }
      : {}),
  };
  if (selectorMatches(stable.spec?.selector, labels)) {
    throw new UsageError(
      `deployment "${stableName}" selects its pods by labels the canary's pods (${key}=${value}) also have: give the stable a distinguishing label in its selector and template (e.g. ${key}=stable), or choose another --canary-label`,
    );
  }
  if (!selectorMatches(selector, labels))
    throw new UsageError(
      `the canary's selector would not select its own pods (${key}=${value} conflicts with deployment "${stableName}"'s selector)`,
    );
  return { name, labels, selector };
}

/**
 * Creates the canary Deployment from the stable's current pod template with the canary images and zero
 * replicas, or, when it exists from an earlier canary, brings its template up to date and scales it to
 * zero. A Deployment of
 * that name that is not a canary of this stable is never touched.
 */
export async function ensureCanaryDeployment(
  client: KubeClient,
  stable: V1Deployment,
  identity: CanaryWorkload,
  images: Record<string, string>,
  namespace: string,
): Promise<void> {
  const stableName = stable.metadata?.name ?? '';
  const template = structuredClone(stable.spec?.template ?? {});
  template.metadata = { ...template.metadata, labels: identity.labels };
  for (const c of template.spec?.containers ?? []) if (images[c.name]) c.image = images[c.name];
  let existing: V1Deployment | undefined;
  try {
    existing = await getDeployment(client, identity.name, namespace);
  } catch (err) {
    if (!(err instanceof KubeNotFoundError)) throw err;
  }
  if (!existing) {
    const body: V1Deployment = {
      metadata: {
        name: identity.name,
        labels: { ...stable.metadata?.labels, ...identity.labels },
        annotations: { [CANARY_OF_ANNOTATION]: stableName },
      },
      spec: {
        replicas: 0,
        selector: identity.selector,
        template,
        ...(stable.spec?.strategy ? { strategy: stable.spec.strategy } : {}),
        ...(stable.spec?.minReadySeconds !== undefined
          ? { minReadySeconds: stable.spec.minReadySeconds }
          : {}),
        ...(stable.spec?.progressDeadlineSeconds !== undefined
          ? { progressDeadlineSeconds: stable.spec.progressDeadlineSeconds }
          : {}),
        revisionHistoryLimit: 2,
      },
    };
    await client.call(
      { verb: 'create', resource: 'deployments', group: 'apps', namespace, name: identity.name },
      (o) => client.apps.createNamespacedDeployment({ namespace, body }, o),
    );
    return;
  }
  if (existing.metadata?.annotations?.[CANARY_OF_ANNOTATION] !== stableName) {
    throw new UsageError(
      `deployment "${identity.name}" exists and is not a canary of "${stableName}" (no ${CANARY_OF_ANNOTATION}: ${stableName} annotation); choose another --canary-deployment`,
    );
  }
  await updateDeployment(
    client,
    identity.name,
    (d) => {
      if (!selectorMatches(d.spec?.selector, identity.labels)) {
        throw new UsageError(
          `deployment "${identity.name}" selects pods by ${JSON.stringify(d.spec?.selector)}, which the canary's pods would not match; delete it and rerun`,
        );
      }
      return { ...d, spec: { ...(d.spec as NonNullable<V1Deployment['spec']>), replicas: 0, template } };
    },
    namespace,
  );
}
