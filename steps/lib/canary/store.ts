import type { V1Deployment } from '@kubernetes/client-node';
import { UsageError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import { updateWithConflictRetry } from '../kube/concurrency.js';
import { getDeployment, patchDeployment } from '../kube/deployments.js';
import {
  LAST_KNOWN_GOOD_ANNOTATION,
  parseLastKnownGood,
  parseState,
  STATE_ANNOTATION,
  type CanaryState,
  type LastKnownGood,
} from './state.js';

/** The canary state on a Deployment; an unreadable annotation is a usage error naming it. */
export function stateOf(deployment: V1Deployment): CanaryState | undefined {
  const parsed = parseState(deployment.metadata?.annotations?.[STATE_ANNOTATION]);
  if (parsed instanceof Error) {
    throw new UsageError(
      `deployment "${deployment.metadata?.name}": ${parsed.message}; fix or remove the annotation (kubectl annotate deployment ${deployment.metadata?.name} ${STATE_ANNOTATION}-)`,
    );
  }
  return parsed;
}

export function lastKnownGoodOf(deployment: V1Deployment): LastKnownGood | undefined {
  return parseLastKnownGood(deployment.metadata?.annotations?.[LAST_KNOWN_GOOD_ANNOTATION]);
}

/** What to write: the new state, and optionally a new last-known-good; undefined writes nothing. */
export interface StateChange {
  state: CanaryState;
  lastKnownGood?: LastKnownGood;
}

/**
 * Writes the state annotation with a merge patch carrying the resourceVersion it was read at: if anything
 * wrote the Deployment in between (another canary, a controller's status update), the server answers 409
 * and `decide` runs again on a fresh read, so it can see a competitor and refuse, or simply reapply.
 */
export async function writeState(
  client: KubeClient,
  name: string,
  namespace: string,
  decide: (current: CanaryState | undefined, deployment: V1Deployment) => StateChange | undefined,
): Promise<CanaryState | undefined> {
  let written: CanaryState | undefined;
  await updateWithConflictRetry(
    () => getDeployment(client, name, namespace),
    (deployment) => {
      const change = decide(stateOf(deployment), deployment);
      written = change?.state;
      if (!change) return undefined;
      const annotations: Record<string, string> = { [STATE_ANNOTATION]: JSON.stringify(change.state) };
      if (change.lastKnownGood)
        annotations[LAST_KNOWN_GOOD_ANNOTATION] = JSON.stringify(change.lastKnownGood);
      return { ...deployment, metadata: { ...deployment.metadata, annotations } };
    },
    (next) =>
      patchDeployment(
        client,
        name,
        'merge',
        {
          metadata: {
            resourceVersion: next.metadata?.resourceVersion,
            annotations: next.metadata?.annotations,
          },
        },
        namespace,
      ),
    { attempts: 10 },
  );
  return written;
}
