import type { Container, Pod } from '../model.js';
import { matchesLabels, parseLabelSelector } from '../selectors.js';

/**
 * A scripted fate for containers, chosen by image and/or pod labels: a crash after some running time
 * (Error, OOMKilled, or a clean exit that still restarts), or a readiness probe that keeps failing.
 * Without a script, a container whose image pulls runs and is ready.
 */
export interface ContainerScript {
  /** The container's image, exactly or by pattern. */
  image?: string | RegExp;
  /** A label selector on the pod, e.g. `app=web,track=canary`. */
  podSelector?: string;
  container?: string;
  crash?: { afterMs?: number; exitCode?: number; reason?: 'Error' | 'OOMKilled' | 'Completed' };
  /** Readiness fails with this probe message (default: an HTTP 503). */
  notReady?: { message?: string };
}

export function scriptMatches(script: ContainerScript, pod: Pod, container: Container): boolean {
  if (script.container !== undefined && script.container !== container.name) return false;
  if (script.image !== undefined) {
    const ok =
      typeof script.image === 'string'
        ? script.image === container.image
        : script.image.test(container.image);
    if (!ok) return false;
  }
  if (
    script.podSelector !== undefined &&
    !matchesLabels(parseLabelSelector(script.podSelector), pod.metadata.labels)
  )
    return false;
  return true;
}

/** The most recently added matching script wins, so a test can override an earlier, broader one. */
export function scriptFor(
  scripts: readonly ContainerScript[],
  pod: Pod,
  container: Container,
): ContainerScript | undefined {
  for (let i = scripts.length - 1; i >= 0; i--) {
    const script = scripts[i] as ContainerScript;
    if (scriptMatches(script, pod, container)) return script;
  }
  return undefined;
}

export function crashExit(script: ContainerScript): { exitCode: number; reason: string } {
  const reason = script.crash?.reason ?? 'Error';
  const exitCode = script.crash?.exitCode ?? (reason === 'OOMKilled' ? 137 : reason === 'Completed' ? 0 : 1);
  return { exitCode, reason };
}
