import type { KubeClient } from '../kube/client.js';
import type { Logger } from '../tekton/log.js';

/** Where a canary (or its rollback) acts, and how patiently. Poll intervals are small in tests. */
export interface CanaryContext {
  client: KubeClient;
  namespace: string;
  /** The stable Deployment, which carries the state annotation. */
  stable: string;
  log: Logger;
  pollMs: number;
  /** How long canary pods may take to become ready at each weight. */
  readyTimeoutMs: number;
  /** How long the stable Deployment may take to roll out (promotion, restore). */
  rolloutTimeoutMs: number;
  sleep(ms: number): Promise<void>;
  now(): number;
}

/** The reason a canary stops; caught by the canary, which then aborts and restores the stable. */
export class CanaryAbort extends Error {
  constructor(
    message: string,
    /** For a failure seen in the canary's pods: on which poll of the wait it was seen. */
    readonly poll?: number,
  ) {
    super(message);
  }
}
