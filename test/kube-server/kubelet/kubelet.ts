import type { Api } from '../api.js';
import type { EventRecorder } from '../events.js';
import type { Condition, Container, ContainerState, ContainerStatus, Pod, Secret } from '../model.js';
import { AddressPool, randomHex } from '../names.js';
import { resourceByKind } from '../resources.js';
import { timestamp } from '../store.js';
import * as say from './messages.js';
import { PullError, type DockerConfigJson, type ImagePuller, type PulledImage } from './puller.js';
import { crashExit, scriptFor, type ContainerScript } from './scripts.js';

const PODS = resourceByKind('Pod');
const SECRETS = resourceByKind('Secret');

export interface BackOff {
  initialMs: number;
  maxMs: number;
}

export interface KubeletOptions {
  nodeName: string;
  nodeIP: string;
  puller: ImagePuller;
  /** The kubelet's image pull back-off (10s doubling to 5m on a real node). */
  imagePullBackOff: BackOff;
  /** The crash-loop back-off (10s doubling to 5m on a real node). */
  crashLoopBackOff: BackOff;
  /** How often a failing readiness probe reports Unhealthy. */
  probePeriodMs: number;
}

type Phase = 'pulling' | 'pull-failed' | 'pull-backoff' | 'never-pull' | 'running' | 'crash-backoff';

interface PullOutcome {
  image?: PulledImage;
  error?: string;
  pullMs: number;
  totalMs: number;
}

interface Runtime {
  phase: Phase;
  pullError?: string;
  pullOutcome?: PullOutcome;
  backOffMs?: number;
  backOffUntil?: number;
  crashBackOffMs?: number;
  imageID: string;
  containerID?: string;
  startedAt?: string;
  everStarted: boolean;
  runUntil?: number;
  restartCount: number;
  lastTerminated?: ContainerState['terminated'];
  lastUnhealthy?: number;
}

const nextBackOff = (current: number | undefined, b: BackOff) =>
  current === undefined ? b.initialMs : Math.min(current * 2, b.maxMs);

function decodeDockerConfig(secret: Secret): DockerConfigJson | undefined {
  const json = secret.data?.['.dockerconfigjson'];
  const legacy = secret.data?.['.dockercfg'];
  try {
    if (json) return JSON.parse(Buffer.from(json, 'base64').toString('utf8')) as DockerConfigJson;
    if (legacy)
      return { auths: JSON.parse(Buffer.from(legacy, 'base64').toString('utf8')) as Record<string, unknown> };
  } catch {
    // A malformed secret contributes no credentials, as on a node.
  }
  return undefined;
}

/**
 * A scripted kubelet for one node. Each container's image is really pulled from the test registry with the
 * pod's pull secrets (serialized, like the kubelet's default), so a missing tag or bad credentials give
 * ErrImagePull and then ImagePullBackOff with a real node's messages and events; pulled images run, and
 * scripts can make them crash-loop, get OOMKilled, or fail readiness.
 */
export class Kubelet {
  private readonly runtimes = new Map<string, Map<string, Runtime>>();
  private readonly present = new Map<string, PulledImage>();
  private readonly scripts: ContainerScript[] = [];
  private readonly podIPs = new AddressPool('10.128');
  private pulls: Promise<void> = Promise.resolve();
  private inFlight = 0;

  constructor(
    private readonly api: Api,
    private readonly events: EventRecorder,
    private readonly options: KubeletOptions,
  ) {}

  /** Adds a script; returns a function that removes it. */
  script(script: ContainerScript): () => void {
    this.scripts.push(script);
    return () => {
      const i = this.scripts.indexOf(script);
      if (i >= 0) this.scripts.splice(i, 1);
    };
  }

  /** Resolves once no pull is in flight (for a clean stop). */
  async idle(): Promise<void> {
    while (this.inFlight > 0) await this.pulls;
  }

  sync(): void {
    const pods = (this.api.store.list(PODS) as Pod[]).filter(
      (p) => p.spec.nodeName === this.options.nodeName,
    );
    const live = new Set(pods.map((p) => p.metadata.uid as string));
    for (const uid of this.runtimes.keys()) if (!live.has(uid)) this.runtimes.delete(uid);
    for (const pod of pods) this.syncPod(pod);
  }

  private syncPod(pod: Pod): void {
    const uid = pod.metadata.uid as string;
    let containers = this.runtimes.get(uid);
    if (!containers) {
      this.runtimes.set(uid, (containers = new Map()));
      pod.status = {
        ...pod.status,
        hostIP: this.options.nodeIP,
        hostIPs: [{ ip: this.options.nodeIP }],
        startTime: timestamp(this.api.store.now()),
      };
      const ip = this.podIPs.allocate();
      pod.status.podIP = ip;
      pod.status.podIPs = [{ ip }];
    }
    const now = Date.now();
    for (const container of pod.spec.containers) {
      const runtime = containers.get(container.name);
      if (!runtime) containers.set(container.name, this.firstLook(pod, container));
      else this.advance(pod, container, runtime, now);
    }
    this.writeStatus(pod, containers);
  }

  private firstLook(pod: Pod, container: Container): Runtime {
    const runtime: Runtime = { phase: 'pulling', imageID: '', everStarted: false, restartCount: 0 };
    const cached = this.present.get(container.image);
    const policy = container.imagePullPolicy ?? 'IfNotPresent';
    if (policy !== 'Always' && cached) {
      this.event(pod, container, 'Normal', 'Pulled', say.alreadyPresent(container.image));
      this.start(pod, container, runtime, cached);
    } else if (policy === 'Never') {
      runtime.phase = 'never-pull';
      this.event(pod, container, 'Warning', 'ErrImageNeverPull', say.notPresentNeverPull(container.image));
    } else {
      this.beginPull(pod, container, runtime);
    }
    return runtime;
  }

  private advance(pod: Pod, container: Container, runtime: Runtime, now: number): void {
    switch (runtime.phase) {
      case 'pulling': {
        const outcome = runtime.pullOutcome;
        if (!outcome) return;
        runtime.pullOutcome = undefined;
        if (outcome.image) {
          this.present.set(container.image, outcome.image);
          runtime.pullError = undefined;
          runtime.backOffMs = undefined;
          this.event(
            pod,
            container,
            'Normal',
            'Pulled',
            say.pulled(container.image, outcome.pullMs, outcome.totalMs, outcome.image.size),
          );
          this.start(pod, container, runtime, outcome.image);
        } else {
          runtime.phase = 'pull-failed';
          runtime.pullError = outcome.error;
          runtime.backOffMs = nextBackOff(runtime.backOffMs, this.options.imagePullBackOff);
          runtime.backOffUntil = now + runtime.backOffMs;
          this.event(
            pod,
            container,
            'Warning',
            'Failed',
            say.failedToPull(container.image, outcome.error ?? ''),
          );
          this.event(pod, container, 'Warning', 'Failed', 'Error: ErrImagePull');
        }
        return;
      }
      case 'pull-failed':
        // One sync shows ErrImagePull; the next finds the pull in back-off.
        runtime.phase = 'pull-backoff';
        this.event(pod, container, 'Normal', 'BackOff', say.backOffPulling(container.image));
        this.event(pod, container, 'Warning', 'Failed', 'Error: ImagePullBackOff');
        return;
      case 'pull-backoff':
        if (now >= (runtime.backOffUntil ?? 0)) this.beginPull(pod, container, runtime);
        return;
      case 'running':
        this.whileRunning(pod, container, runtime, now);
        return;
      case 'crash-backoff':
        if (now >= (runtime.backOffUntil ?? 0)) {
          runtime.restartCount += 1;
          this.event(pod, container, 'Normal', 'Pulled', say.alreadyPresent(container.image));
          this.start(pod, container, runtime, this.present.get(container.image));
        }
        return;
      case 'never-pull':
        return;
    }
  }

  private whileRunning(pod: Pod, container: Container, runtime: Runtime, now: number): void {
    const script = scriptFor(this.scripts, pod, container);
    if (runtime.runUntil !== undefined && now >= runtime.runUntil && script?.crash) {
      const { exitCode, reason } = crashExit(script);
      runtime.lastTerminated = {
        exitCode,
        reason,
        startedAt: runtime.startedAt,
        finishedAt: timestamp(this.api.store.now()),
        containerID: runtime.containerID,
      };
      runtime.runUntil = undefined;
      if (runtime.restartCount === 0) {
        // The first restart is immediate; back-off starts from the second crash.
        runtime.restartCount = 1;
        this.start(pod, container, runtime, this.present.get(container.image));
        return;
      }
      runtime.phase = 'crash-backoff';
      runtime.crashBackOffMs = nextBackOff(runtime.crashBackOffMs, this.options.crashLoopBackOff);
      runtime.backOffUntil = now + runtime.crashBackOffMs;
      this.event(pod, container, 'Warning', 'BackOff', say.crashLoopEvent(container.name, this.podRef(pod)));
      return;
    }
    if (script?.notReady && now - (runtime.lastUnhealthy ?? 0) >= this.options.probePeriodMs) {
      runtime.lastUnhealthy = now;
      this.event(
        pod,
        container,
        'Warning',
        'Unhealthy',
        say.readinessFailed(script.notReady.message ?? 'HTTP probe failed with statuscode: 503'),
      );
    }
  }

  private start(pod: Pod, container: Container, runtime: Runtime, image: PulledImage | undefined): void {
    runtime.phase = 'running';
    runtime.everStarted = true;
    runtime.imageID = image ? `${image.reference.context()}@${image.digest}` : runtime.imageID;
    runtime.containerID = `cri-o://${randomHex(32)}`;
    runtime.startedAt = timestamp(this.api.store.now());
    const script = scriptFor(this.scripts, pod, container);
    runtime.runUntil = script?.crash ? Date.now() + (script.crash.afterMs ?? 0) : undefined;
    this.event(pod, container, 'Normal', 'Created', say.createdContainer(container.name));
    this.event(pod, container, 'Normal', 'Started', say.startedContainer(container.name));
  }

  private beginPull(pod: Pod, container: Container, runtime: Runtime): void {
    runtime.phase = 'pulling';
    const configs = this.pullSecrets(pod);
    this.event(pod, container, 'Normal', 'Pulling', say.pulling(container.image));
    const queuedAt = Date.now();
    this.inFlight += 1;
    this.pulls = this.pulls.then(async () => {
      const startedAt = Date.now();
      try {
        const image = await this.options.puller.pull(container.image, configs);
        runtime.pullOutcome = { image, pullMs: Date.now() - startedAt, totalMs: Date.now() - queuedAt };
      } catch (err) {
        const error =
          err instanceof PullError
            ? err.message
            : `rpc error: code = Unknown desc = ${err instanceof Error ? err.message : String(err)}`;
        runtime.pullOutcome = { error, pullMs: Date.now() - startedAt, totalMs: Date.now() - queuedAt };
      } finally {
        this.inFlight -= 1;
      }
    });
  }

  /** The pod's pull secrets as docker configs; names that do not resolve are reported as a real kubelet does. */
  private pullSecrets(pod: Pod): DockerConfigJson[] {
    const names = (pod.spec.imagePullSecrets ?? []).map((s) => s.name);
    const configs: DockerConfigJson[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const secret = this.api.store.get(SECRETS, pod.metadata.namespace, name) as Secret | undefined;
      const config = secret && decodeDockerConfig(secret);
      if (config) configs.push(config);
      else missing.push(`"${name}"`);
    }
    if (missing.length)
      this.events.record(
        pod,
        'Warning',
        'FailedToRetrieveImagePullSecret',
        say.missingPullSecrets(missing),
        this.source(),
      );
    return configs;
  }

  private containerStatus(pod: Pod, container: Container, runtime: Runtime): ContainerStatus {
    const script = scriptFor(this.scripts, pod, container);
    let state: ContainerState;
    switch (runtime.phase) {
      case 'pulling':
        state = runtime.pullError
          ? {
              waiting: {
                reason: 'ImagePullBackOff',
                message: say.backOffPullingWaiting(container.image, runtime.pullError),
              },
            }
          : { waiting: { reason: 'ContainerCreating' } };
        break;
      case 'pull-failed':
        state = { waiting: { reason: 'ErrImagePull', message: runtime.pullError } };
        break;
      case 'pull-backoff':
        state = {
          waiting: {
            reason: 'ImagePullBackOff',
            message: say.backOffPullingWaiting(container.image, runtime.pullError ?? ''),
          },
        };
        break;
      case 'never-pull':
        state = {
          waiting: { reason: 'ErrImageNeverPull', message: say.notPresentNeverPull(container.image) },
        };
        break;
      case 'crash-backoff':
        state = {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: say.crashLoopWaiting(runtime.crashBackOffMs ?? 0, container.name, this.podRef(pod)),
          },
        };
        break;
      case 'running':
        state = { running: { startedAt: runtime.startedAt as string } };
        break;
    }
    const running = runtime.phase === 'running';
    const status: ContainerStatus = {
      name: container.name,
      image: container.image,
      imageID: runtime.imageID,
      ready: running && !script?.notReady,
      started: running,
      restartCount: runtime.restartCount,
      state,
      lastState: runtime.lastTerminated ? { terminated: runtime.lastTerminated } : {},
    };
    if (runtime.containerID) status.containerID = runtime.containerID;
    return status;
  }

  private writeStatus(pod: Pod, runtimes: Map<string, Runtime>): void {
    const statuses = pod.spec.containers.map((c) =>
      this.containerStatus(pod, c, runtimes.get(c.name) as Runtime),
    );
    const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
    const now = timestamp(this.api.store.now());
    const previous = pod.status?.conditions ?? [];
    const condition = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
      const before = previous.find((c) => c.type === type);
      const status = ok ? 'True' : 'False';
      const c: Condition = {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime: before?.status === status ? (before.lastTransitionTime ?? now) : now,
      };
      if (!ok && reason) Object.assign(c, { reason, message });
      return c;
    };
    const ready = unready.length === 0;
    const conditions = [
      condition('PodReadyToStartContainers', true),
      condition('Initialized', true),
      condition('Ready', ready, 'ContainersNotReady', say.unreadyContainers(unready)),
      condition('ContainersReady', ready, 'ContainersNotReady', say.unreadyContainers(unready)),
      condition('PodScheduled', true),
    ];
    const started = [...runtimes.values()].every((r) => r.everStarted);
    const current = this.api.store.get(PODS, pod.metadata.namespace, pod.metadata.name as string);
    if (!current) return;
    this.api.writeStatus(PODS, {
      ...pod,
      status: {
        ...pod.status,
        phase: started ? 'Running' : 'Pending',
        conditions,
        containerStatuses: statuses,
      },
    });
  }

  private podRef(pod: Pod) {
    return {
      name: pod.metadata.name as string,
      namespace: pod.metadata.namespace as string,
      uid: pod.metadata.uid as string,
    };
  }

  private source() {
    return { component: 'kubelet', host: this.options.nodeName };
  }

  private event(
    pod: Pod,
    container: Container,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    this.events.record(pod, type, reason, message, this.source(), `spec.containers{${container.name}}`);
  }
}
