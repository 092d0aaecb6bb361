import type { CoreV1Event, V1Deployment, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import { UsageError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import { getDeployment } from '../kube/deployments.js';
import { listPods } from '../kube/pods.js';
import { labelSelectorString } from '../kube/selectors.js';
import { LASTING_PULL_FAILURES } from './classify.js';
import { diagnosePods, hasPullFailure, type Diagnosis, type PullFailure } from './diagnose.js';

export interface DiagnoseTarget {
  namespace: string;
  /** The Deployment whose pods to read; its selector picks them. */
  deployment?: string;
  /** Or a label selector, e.g. `app=web,track=canary`. */
  selector?: string;
}

export interface TargetDiagnosis extends Diagnosis {
  namespace: string;
  selector: string;
}

/** The namespace's pod events, in one request rather than one per pod. */
export async function podEvents(client: KubeClient, namespace: string): Promise<CoreV1Event[]> {
  const list = await client.call({ verb: 'list', resource: 'events', group: '', namespace }, (o) =>
    client.core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.kind=Pod' }, o),
  );
  return list.items;
}

export async function selectorFor(client: KubeClient, target: DiagnoseTarget): Promise<string> {
  if (target.selector) return target.selector;
  if (!target.deployment)
    throw new UsageError('give a Deployment (--deployment) or a pod label selector (--selector)');
  const deployment = await getDeployment(client, target.deployment, target.namespace);
  const selector = labelSelectorString(deployment.spec?.selector);
  if (!selector) throw new UsageError(`deployment "${target.deployment}" has an empty selector`);
  return selector;
}

/** Reads the target's pods and their events, and diagnoses them. */
export async function diagnoseTarget(client: KubeClient, target: DiagnoseTarget): Promise<TargetDiagnosis> {
  const selector = await selectorFor(client, target);
  const pods: V1Pod[] = await listPods(client, { namespace: target.namespace, labelSelector: selector });
  const events = pods.length ? await podEvents(client, target.namespace) : [];
  return { namespace: target.namespace, selector, ...diagnosePods(pods, events) };
}

/** Whether the pod was made from this template: each of its containers has the template's image. */
function madeFrom(pod: V1Pod, template: V1PodTemplateSpec | undefined): boolean {
  const images = new Map((template?.spec?.containers ?? []).map((c) => [c.name, c.image]));
  const containers = pod.spec?.containers ?? [];
  return containers.length > 0 && containers.every((c) => images.get(c.name) === c.image);
}

/**
 * A pull failure that waiting will not cure, among the pods of the Deployment's current template. A rollout
 * with one does not finish: the kubelet backs off until the progress deadline, ten minutes by default.
 */
export async function lastingTemplatePullFailure(
  client: KubeClient,
  deployment: V1Deployment,
  namespace: string,
): Promise<PullFailure | undefined> {
  const selector = labelSelectorString(deployment.spec?.selector);
  if (!selector) return undefined;
  const pods = (await listPods(client, { namespace, labelSelector: selector })).filter(
    (p) => !p.metadata?.deletionTimestamp && madeFrom(p, deployment.spec?.template),
  );
  if (!hasPullFailure(pods)) return undefined;
  const { pullFailures } = diagnosePods(pods, await podEvents(client, namespace));
  return pullFailures.find((f) => LASTING_PULL_FAILURES.has(f.category));
}
