import type { ConfigurationOptions } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import type { KubeAction } from '../kube/errors.js';
import { podSpecImages, type ImageInUse, type InUseSource } from './in-use.js';

/** Workload kinds whose pod templates name images, and where the template sits in each. */
const POD_TEMPLATE = ['spec', 'template', 'spec'];
const WORKLOADS: ReadonlyArray<{ kind: string; group: string; plural: string; podSpec: string[] }> = [
  { kind: 'Deployment', group: 'apps', plural: 'deployments', podSpec: POD_TEMPLATE },
  { kind: 'ReplicaSet', group: 'apps', plural: 'replicasets', podSpec: POD_TEMPLATE },
  { kind: 'StatefulSet', group: 'apps', plural: 'statefulsets', podSpec: POD_TEMPLATE },
  { kind: 'DaemonSet', group: 'apps', plural: 'daemonsets', podSpec: POD_TEMPLATE },
  { kind: 'Job', group: 'batch', plural: 'jobs', podSpec: POD_TEMPLATE },
  { kind: 'CronJob', group: 'batch', plural: 'cronjobs', podSpec: ['spec', 'jobTemplate', ...POD_TEMPLATE] },
];

function dig(object: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
    object,
  );
}

interface KubeObject {
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
  status?: {
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    ephemeralContainerStatuses?: ContainerStatus[];
  };
}

interface ContainerStatus {
  image?: string;
  imageID?: string;
}

interface Page {
  items?: KubeObject[];
  metadata?: { continue?: string };
}

const PAGE = 500;

/**
 * Images the cluster uses, from pods (their specs and the digests their containers actually run) and from
 * every workload template that can start pods later: Deployments, ReplicaSets (old revisions roll back to
 * them), StatefulSets, DaemonSets, Jobs and CronJobs. `*` reads every namespace.
 */
export class KubeInUseSource implements InUseSource {
  constructor(
    private readonly client: KubeClient,
    private readonly namespaces: readonly string[],
  ) {}

  async imagesInUse(): Promise<ImageInUse[]> {
    const scopes = this.namespaces.includes('*') ? [undefined] : [...new Set(this.namespaces)];
    const found: ImageInUse[] = [];
    for (const namespace of scopes) {
      for (const pod of await this.pods(namespace)) {
        const user = `Pod ${pod.metadata?.namespace}/${pod.metadata?.name}`;
        const statuses = [
          ...(pod.status?.containerStatuses ?? []),
          ...(pod.status?.initContainerStatuses ?? []),
          ...(pod.status?.ephemeralContainerStatuses ?? []),
        ];
        const references = [...podSpecImages(pod.spec), ...statuses.flatMap((s) => [s.image, s.imageID])];
        for (const reference of references) if (reference) found.push({ reference, user });
      }
      for (const workload of WORKLOADS) {
        for (const object of await this.workloads(workload.group, workload.plural, namespace)) {
          const user = `${workload.kind} ${object.metadata?.namespace}/${object.metadata?.name}`;
          for (const reference of podSpecImages(dig(object, workload.podSpec)))
            found.push({ reference, user });
        }
      }
    }
    return found;
  }

  private pods(namespace: string | undefined): Promise<KubeObject[]> {
    const action: KubeAction = {
      verb: 'list',
      resource: 'pods',
      group: '',
      ...(namespace ? { namespace } : {}),
    };
    return this.pages(action, (_continue, o) =>
      namespace
        ? this.client.core.listNamespacedPod({ namespace, limit: PAGE, _continue }, o)
        : this.client.core.listPodForAllNamespaces({ limit: PAGE, _continue }, o),
    );
  }

  private workloads(group: string, plural: string, namespace: string | undefined): Promise<KubeObject[]> {
    const action: KubeAction = { verb: 'list', resource: plural, group, ...(namespace ? { namespace } : {}) };
    return this.pages(action, (_continue, o) =>
      namespace
        ? this.client.custom.listNamespacedCustomObject(
            { group, version: 'v1', namespace, plural, limit: PAGE, _continue },
            o,
          )
        : this.client.custom.listClusterCustomObject(
            { group, version: 'v1', plural, limit: PAGE, _continue },
            o,
          ),
    );
  }

  /** Every page of a list, following `continue` tokens. */
  private async pages(
    action: KubeAction,
    list: (token: string | undefined, options: ConfigurationOptions) => Promise<unknown>,
  ): Promise<KubeObject[]> {
    const items: KubeObject[] = [];
    let token: string | undefined;
    do {
      const page = (await this.client.call(action, (o) => list(token, o))) as Page;
      items.push(...(page.items ?? []));
      token = page.metadata?.continue || undefined;
    } while (token);
    return items;
  }
}
