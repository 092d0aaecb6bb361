import type { Api } from '../api.js';
import type { EventRecorder } from '../events.js';
import type { KubeObject, Pod, Route } from '../model.js';
import { RESOURCES, resourceByKind } from '../resources.js';
import { timestamp } from '../store.js';

const NAMESPACES = resourceByKind('Namespace');
const SERVICE_ACCOUNTS = resourceByKind('ServiceAccount');
const PODS = resourceByKind('Pod');
const ROUTES = resourceByKind('Route');

/** Every namespace gets its `default` ServiceAccount, as the service-account controller ensures. */
export function ensureDefaultServiceAccounts(api: Api): void {
  for (const ns of api.store.list(NAMESPACES)) {
    const namespace = ns.metadata.name as string;
    if (api.store.get(SERVICE_ACCOUNTS, namespace, 'default')) continue;
    api.create(SERVICE_ACCOUNTS, namespace, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default' },
    });
  }
}

/**
 * The garbage collector's background cascade: an object whose controlling owner is gone (deleted, or
 * replaced by a namesake with another uid) is deleted too.
 */
export function collectGarbage(api: Api): void {
  for (const kind of ['ReplicaSet', 'Pod', 'Job']) {
    const r = resourceByKind(kind);
    for (const object of api.store.list(r)) {
      const owner = object.metadata.ownerReferences?.find((o) => o.controller);
      const ownerType = owner && RESOURCES.find((t) => t.kind === owner.kind);
      // Owners of kinds this server does not serve cannot be checked; the real collector leaves them too.
      if (!owner || !ownerType) continue;
      const found = api.store.get(
        ownerType,
        ownerType.namespaced ? object.metadata.namespace : undefined,
        owner.name,
      );
      if (!found || found.metadata.uid !== owner.uid)
        api.store.delete(r, object.metadata.namespace, object.metadata.name as string);
    }
  }
}

/** The scheduler, for a one-node cluster: binds each new pod to the node and says so. */
export function schedulePods(api: Api, events: EventRecorder, nodeName: string): void {
  for (const pod of api.store.list(PODS) as Pod[]) {
    if (pod.spec.nodeName) continue;
    const now = timestamp(api.store.now());
    pod.spec.nodeName = nodeName;
    pod.status = {
      ...pod.status,
      conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now }],
    };
    const bound = api.store.update(PODS, pod);
    events.record(
      bound,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${nodeName}`,
      {
        component: 'default-scheduler',
      },
    );
  }
}

/** The OpenShift router admits every route for its current host. */
export function admitRoutes(api: Api): void {
  for (const route of api.store.list(ROUTES) as Route[]) {
    const host = route.spec.host;
    const ingress = (route.status?.ingress ?? []) as Array<{ host?: string }>;
    if (ingress.length === 1 && ingress[0]?.host === host) continue;
    const domain = host?.split('.').slice(1).join('.') ?? '';
    const status = {
      ingress: [
        {
          host,
          routerName: 'default',
          wildcardPolicy: route.spec.wildcardPolicy ?? 'None',
          routerCanonicalHostname: `router-default.${domain}`,
          conditions: [{ type: 'Admitted', status: 'True', lastTransitionTime: timestamp(api.store.now()) }],
        },
      ],
    };
    api.writeStatus(ROUTES, { ...route, status } as KubeObject);
  }
}
