import { UsageError } from '../errors.js';
import type { KubeClient } from './client.js';
import { updateWithConflictRetry, type ConflictRetryOptions } from './concurrency.js';
import type { KubeAction } from './errors.js';
import { PATCH_CONTENT_TYPES } from './patch.js';

/** route.openshift.io/v1 Route, the fields the steps use. */
export interface RouteBackend {
  kind?: string;
  name: string;
  weight?: number;
}

export interface Route {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    host?: string;
    path?: string;
    to: RouteBackend;
    alternateBackends?: RouteBackend[];
    port?: { targetPort: string | number };
    tls?: unknown;
    [key: string]: unknown;
  };
  status?: {
    ingress?: Array<{
      host?: string;
      routerName?: string;
      conditions?: Array<{ type: string; status: string }>;
    }>;
  };
}

const GROUP = 'route.openshift.io';
const VERSION = 'v1';
const PLURAL = 'routes';
export const MAX_ROUTE_WEIGHT = 256;
/** OpenShift allows spec.to plus at most three alternate backends. */
export const MAX_ROUTE_BACKENDS = 4;

const action = (verb: KubeAction['verb'], name: string, namespace: string): KubeAction => ({
  verb,
  resource: PLURAL,
  group: GROUP,
  name,
  namespace,
});

export interface BackendWeight {
  service: string;
  weight: number;
}

/** Each backend's weight and share of traffic. A backend without a weight counts as 100, OpenShift's default. */
export function routeTrafficShares(route: Route): Array<BackendWeight & { percent: number }> {
  const backends = [route.spec.to, ...(route.spec.alternateBackends ?? [])].map((b) => ({
    service: b.name,
    weight: b.weight ?? 100,
  }));
  const total = backends.reduce((sum, b) => sum + b.weight, 0);
  return backends.map((b) => ({ ...b, percent: total === 0 ? 0 : (100 * b.weight) / total }));
}

/**
 * The spec fields that send traffic to these backends in these weights: the first becomes `spec.to`, the
 * rest `spec.alternateBackends`. Weights are integers 0..256; names must be distinct.
 */
export function backendsForWeights(
  weights: BackendWeight[],
): Pick<Route['spec'], 'to' | 'alternateBackends'> {
  if (weights.length === 0) throw new UsageError('route weights: at least one backend is needed');
  if (weights.length > MAX_ROUTE_BACKENDS)
    throw new UsageError(
      `route weights: at most ${MAX_ROUTE_BACKENDS} backends (spec.to and 3 alternates), got ${weights.length}`,
    );
  const seen = new Set<string>();
  for (const w of weights) {
    if (!w.service) throw new UsageError('route weights: a backend has no service name');
    if (seen.has(w.service)) throw new UsageError(`route weights: service "${w.service}" is listed twice`);
    seen.add(w.service);
    if (!Number.isInteger(w.weight) || w.weight < 0 || w.weight > MAX_ROUTE_WEIGHT) {
      throw new UsageError(
        `route weights: weight for "${w.service}" must be an integer from 0 to ${MAX_ROUTE_WEIGHT}, got ${w.weight}`,
      );
    }
  }
  if (weights.every((w) => w.weight === 0))
    throw new UsageError('route weights: at least one backend needs a weight above 0');
  const [first, ...rest] = weights as [BackendWeight, ...BackendWeight[]];
  return {
    to: { kind: 'Service', name: first.service, weight: first.weight },
    alternateBackends: rest.map((w) => ({ kind: 'Service', name: w.service, weight: w.weight })),
  };
}

export function getRoute(client: KubeClient, name: string, namespace = client.namespace): Promise<Route> {
  return client.call(action('get', name, namespace), (o) =>
    client.custom.getNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: PLURAL, name },
      o,
    ),
  ) as Promise<Route>;
}

/**
 * Sets the route's backend weights with a merge patch that carries the resourceVersion read, so a route
 * changed meanwhile is a 409 and the change is recomputed from a fresh read rather than overwriting it.
 */
export async function setRouteWeights(
  client: KubeClient,
  name: string,
  weights: BackendWeight[],
  namespace = client.namespace,
  options: ConflictRetryOptions = {},
): Promise<Route> {
  const backends = backendsForWeights(weights);
  return updateWithConflictRetry(
    () => getRoute(client, name, namespace),
    (route) => route,
    (route) =>
      client.call(
        action('patch', name, namespace),
        (o) =>
          client.custom.patchNamespacedCustomObject(
            {
              group: GROUP,
              version: VERSION,
              namespace,
              plural: PLURAL,
              name,
              body: { metadata: { resourceVersion: route.metadata.resourceVersion }, spec: backends },
            },
            o,
          ),
        PATCH_CONTENT_TYPES.merge,
      ) as Promise<Route>,
    options,
  );
}
