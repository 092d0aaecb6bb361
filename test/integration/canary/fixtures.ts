import type { V1Deployment } from '@kubernetes/client-node';
import { parseState, STATE_ANNOTATION, type CanaryState } from '../../../steps/lib/canary/state.js';
import {
  getDeployment,
  getRoute,
  routeTrafficShares,
  waitForRollout,
  type KubeClient,
} from '../../../steps/lib/kube/index.js';
import { eventually } from '../../helpers/eventually.js';

/**
 * A stable app as the canary expects to find it: a Deployment whose pods carry track=stable, a Service
 * for them, one for canary pods, and a Route to the stable Service.
 */
export async function deployStable(
  client: KubeClient,
  namespace: string,
  app: string,
  image: string,
  replicas = 2,
): Promise<void> {
  const labels = { app, track: 'stable' };
  await client.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: app, labels: { app } },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
  });
  for (const [name, track] of [
    [app, 'stable'],
    [`${app}-canary`, 'canary'],
  ] as const) {
    await client.core.createNamespacedService({
      namespace,
      body: {
        metadata: { name },
        spec: { selector: { app, track }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
  }
  await client.custom.createNamespacedCustomObject({
    group: 'route.openshift.io',
    version: 'v1',
    namespace,
    plural: 'routes',
    body: {
      apiVersion: 'route.openshift.io/v1',
      kind: 'Route',
      metadata: { name: app },
      spec: { to: { kind: 'Service', name: app, weight: 100 }, port: { targetPort: 8080 } },
    },
  });
  const result = await waitForRollout(client, app, { timeoutMs: 30_000, intervalMs: 50 }, namespace);
  if (result.outcome !== 'done') throw new Error(`stable ${app} did not roll out: ${result.message}`);
}

/** Each Service's weight on the app's Route. */
export async function weightsOf(client: KubeClient, app: string): Promise<Record<string, number>> {
  return Object.fromEntries(
    routeTrafficShares(await getRoute(client, app)).map((b) => [b.service, b.weight]),
  );
}

export async function canaryStateOf(client: KubeClient, app: string): Promise<CanaryState | undefined> {
  const parsed = parseState((await getDeployment(client, app)).metadata?.annotations?.[STATE_ANNOTATION]);
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

export const imageOf = (d: V1Deployment) => d.spec?.template.spec?.containers[0]?.image;

export async function replicasOf(client: KubeClient, name: string): Promise<number | undefined> {
  return (await getDeployment(client, name)).spec?.replicas;
}

/** Replicas of a Deployment that may not exist yet (0 then). */
export async function replicasOrZero(client: KubeClient, name: string): Promise<number> {
  return getDeployment(client, name).then(
    (d) => d.spec?.replicas ?? 0,
    () => 0,
  );
}

/**
 * Samples something about the cluster every few milliseconds in the background and keeps each distinct
 * value in order, so a test can check the path a canary took (10 → 50 → 100), not just where it ended.
 */
export function recordChanges<T>(sample: () => Promise<T>, intervalMs = 40): { stop(): Promise<T[]> } {
  const seen: T[] = [];
  let running = true;
  const take = async () => {
    try {
      const value = await sample();
      if (JSON.stringify(seen[seen.length - 1]) !== JSON.stringify(value)) seen.push(value);
    } catch {
      // The object may not exist yet.
    }
  };
  const loop = (async () => {
    while (running) {
      await take();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await take();
      return seen;
    },
  };
}

export function waitForState(
  client: KubeClient,
  app: string,
  what: string,
  ok: (s: CanaryState) => boolean,
  timeoutMs = 60_000,
): Promise<CanaryState> {
  return eventually(
    what,
    async () => {
      const s = await canaryStateOf(client, app);
      return s && ok(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 50, describe: async () => JSON.stringify(await canaryStateOf(client, app)) },
  );
}
