import type { V1Deployment } from '@kubernetes/client-node';
import { GateError, StepError, UsageError } from '../errors.js';
import { getDeployment } from '../kube/deployments.js';
import { KubeNotFoundError } from '../kube/errors.js';
import { deploymentRolloutStatus } from '../kube/rollout.js';
import { getRoute, setRouteWeights } from '../kube/routes.js';
import { labelSelectorString } from '../kube/selectors.js';
import { getService } from '../kube/services.js';
import { renderQuery, type AnalysisConfig, type CanaryStep } from './config.js';
import { CanaryAbort, type CanaryContext } from './context.js';
import { selectorMatches } from './labels.js';
import { canaryReplicas, effectiveWeight, nextAction, pauseRemainingMs, routeWeights } from './plan.js';
import { queryPrometheus } from './prometheus.js';
import { restoreStable } from './restore.js';
import { runAnalysis } from './run-analysis.js';
import { ownership, type CanaryState, type LastKnownGood, type TrafficConfig } from './state.js';
import { stateOf, writeState } from './store.js';
import { shiftTraffic } from './traffic.js';
import { guardCanaryPods, waitForCanaryPods, type CanaryPods } from './watch.js';
import {
  awaitRollout,
  canaryIdentity,
  containerImages,
  ensureCanaryDeployment,
  pickContainer,
  scale,
  scaleToZero,
  setImages,
} from './workloads.js';

export type TrafficOption =
  { mode: 'route'; route: string; stableService?: string; canaryService: string } | { mode: 'replicas' };

export interface CanaryOptions {
  /** The PipelineRun (or TaskRun) this canary belongs to; its rollback names the same run. */
  run: string;
  /** The canary image, ideally PINNED_IMAGE from verify. */
  image: string;
  container?: string;
  /** Default `<stable>-canary`. */
  canaryDeployment?: string;
  canaryLabel: [string, string];
  traffic: TrafficOption;
  steps: CanaryStep[];
  analysis: AnalysisConfig;
  prometheusUrl?: string;
  queryTimeoutMs: number;
  /** Check everything and say what would happen; change nothing. */
  dryRun?: boolean;
}

export interface CanaryOutcome {
  result: 'promoted' | 'aborted' | 'planned';
  /** CANARY_RESULT: `promoted: ...` or `aborted: <reason>`. */
  message: string;
  /** One line per analysis run. */
  analysis: string[];
  state?: CanaryState;
  /** This run had already finished its canary: nothing was changed now. */
  finishedBefore: boolean;
  resumed: boolean;
  /** For a failure seen in the canary's pods: on which poll of the wait. */
  failedOnPoll?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function outcomeOf(state: CanaryState, extra: Partial<CanaryOutcome> = {}): CanaryOutcome {
  const promoted = state.phase === 'Succeeded';
  return {
    result: promoted ? 'promoted' : 'aborted',
    message: promoted
      ? `promoted: ${Object.values(state.canaryImages).join(', ')}`
      : `aborted: ${state.message ?? state.phase}`,
    analysis: state.analysis,
    state,
    finishedBefore: false,
    resumed: false,
    ...extra,
  };
}

/** The stable must be healthy before a canary is compared with it. */
function preflight(stable: V1Deployment): void {
  const name = stable.metadata?.name;
  if (stable.spec?.paused) throw new GateError(`deployment "${name}" is paused; resume it before a canary`);
  const status = deploymentRolloutStatus(stable);
  const desired = stable.spec?.replicas ?? 1;
  if (desired < 1)
    throw new GateError(`deployment "${name}" has 0 replicas: there is no stable to compare a canary with`);
  if (status.state !== 'done' || (stable.status?.availableReplicas ?? 0) < desired) {
    throw new GateError(
      `deployment "${name}" is not healthy (${status.message}; ${stable.status?.availableReplicas ?? 0} of ${desired} available): fix the stable before a canary`,
    );
  }
}

async function trafficConfig(
  ctx: CanaryContext,
  option: TrafficOption,
  canaryLabels: Record<string, string>,
): Promise<TrafficConfig> {
  if (option.mode === 'replicas') return option;
  const route = await getRoute(ctx.client, option.route, ctx.namespace);
  const stableService = option.stableService || route.spec.to.name;
  if (route.spec.to.name !== stableService) {
    throw new UsageError(
      `route "${option.route}" sends its traffic (spec.to) to "${route.spec.to.name}", not the stable service "${stableService}"`,
    );
  }
  if (stableService === option.canaryService)
    throw new UsageError(`the canary service must differ from the stable service "${stableService}"`);
  const [stableSvc, canarySvc] = await Promise.all([
    getService(ctx.client, stableService, ctx.namespace),
    getService(ctx.client, option.canaryService, ctx.namespace),
  ]);
  if (selectorMatches({ matchLabels: stableSvc.spec?.selector ?? {} }, canaryLabels)) {
    throw new UsageError(
      `service "${stableService}" selects the canary's pods too (selector ${JSON.stringify(stableSvc.spec?.selector ?? {})}): the route could not keep them apart`,
    );
  }
  if (!canarySvc.spec?.selector || !selectorMatches({ matchLabels: canarySvc.spec.selector }, canaryLabels)) {
    throw new UsageError(
      `service "${option.canaryService}" does not select the canary's pods (labels ${JSON.stringify(canaryLabels)})`,
    );
  }
  return { mode: 'route', route: option.route, stableService, canaryService: option.canaryService };
}

/**
 * Runs the canary for this run to its end: starts it (or resumes it where the state says it stopped),
 * runs the steps, and promotes; any failure aborts it and restores the stable. Another run's unfinished
 * canary on the same Deployment is refused.
 */
export async function runCanary(ctx: CanaryContext, options: CanaryOptions): Promise<CanaryOutcome> {
  const { client, namespace, log } = ctx;
  if (options.steps.some((s) => s.kind === 'analyze') && !options.prometheusUrl)
    throw new UsageError('the steps analyze metrics: give --prometheus-url');
  const stableDeployment = await getDeployment(client, ctx.stable, namespace);
  const found = stateOf(stableDeployment);
  let state: CanaryState;
  let resumed = false;
  switch (ownership(found, options.run)) {
    case 'busy': {
      const other = found as CanaryState;
      throw new GateError(
        `deployment "${ctx.stable}" has an unfinished canary of run "${other.run}" (${other.phase} since ${other.startedAt}); refusing a concurrent canary: let it finish, or roll it back (rollback --run ${other.run})`,
      );
    }
    case 'finished':
      log.info(`run ${options.run} already finished its canary (${found?.phase}); nothing to do`);
      return outcomeOf(found as CanaryState, { finishedBefore: true });
    case 'resume':
      state = found as CanaryState;
      resumed = true;
      if (options.dryRun)
        return planned(
          `dry run: would resume the canary of run ${options.run} at step ${state.step + 1} (${state.phase})`,
          state,
        );
      log.info(
        `resuming the canary of run ${options.run} at step ${state.step + 1} of ${options.steps.length} (${state.phase}, canary at ${state.weight}%)`,
      );
      break;
    case 'free': {
      const prepared = await prepare(ctx, stableDeployment, options);
      if (options.dryRun) {
        const { fresh } = prepared;
        const how = fresh.traffic.mode === 'route' ? `route ${fresh.traffic.route}` : 'replica ratio';
        return planned(
          `dry run: would start a canary of ${Object.values(fresh.canaryImages).join(', ')} on deployment ${ctx.stable} by ${how} in ${options.steps.length} step(s); nothing changed`,
          fresh,
        );
      }
      state = await begin(ctx, stableDeployment, prepared);
      break;
    }
  }
  const canaryDeployment = await getDeployment(client, state.canaryDeployment, namespace).catch(
    async (err: unknown) => {
      // Killed between taking the Deployment and creating the canary: create it now.
      if (!(err instanceof KubeNotFoundError)) throw err;
      await ensureCanaryDeployment(
        client,
        stableDeployment,
        canaryIdentity(stableDeployment, state.canaryDeployment, options.canaryLabel),
        state.canaryImages,
        namespace,
      );
      return getDeployment(client, state.canaryDeployment, namespace);
    },
  );
  const pods: CanaryPods = {
    selector: labelSelectorString(canaryDeployment.spec?.selector),
    maxRestarts: options.analysis.maxRestarts,
  };
  const run = new CanaryRun(ctx, options, state, pods);
  return { ...(await run.toTheEnd()), resumed };
}

function planned(message: string, state: CanaryState): CanaryOutcome {
  return { result: 'planned', message, analysis: [], state, finishedBefore: false, resumed: false };
}

interface Prepared {
  fresh: CanaryState;
  identity: ReturnType<typeof canaryIdentity>;
}

/** Everything checked and computed before the canary takes the Deployment: nothing is written yet. */
async function prepare(ctx: CanaryContext, stable: V1Deployment, options: CanaryOptions): Promise<Prepared> {
  preflight(stable);
  const container = pickContainer(stable, options.container);
  const stableImages = containerImages(stable);
  const canaryName = options.canaryDeployment || `${ctx.stable}-canary`;
  const identity = canaryIdentity(stable, canaryName, options.canaryLabel);
  const traffic = await trafficConfig(ctx, options.traffic, identity.labels);
  const now = iso(ctx.now());
  const fresh: CanaryState = {
    version: 1,
    run: options.run,
    phase: 'Progressing',
    canaryDeployment: canaryName,
    canaryImages: { [container]: options.image },
    stableImages,
    stableReplicas: stable.spec?.replicas ?? 1,
    traffic,
    step: 0,
    weight: 0,
    startedAt: now,
    updatedAt: now,
    analysis: [],
  };
  return { fresh, identity };
}

async function begin(
  ctx: CanaryContext,
  stable: V1Deployment,
  { fresh, identity }: Prepared,
): Promise<CanaryState> {
  const run = fresh.run;
  // The lock: written at the resourceVersion read; a competitor that wrote first is seen on the re-read.
  const state = (await writeState(ctx.client, ctx.stable, ctx.namespace, (current) => {
    const own = ownership(current, run);
    if (own === 'busy')
      throw new GateError(
        `deployment "${ctx.stable}": run "${current?.run}" started a canary at the same moment; refusing a concurrent canary`,
      );
    if (own === 'resume' || own === 'finished')
      throw new GateError(
        `deployment "${ctx.stable}": another process of run "${run}" started this canary; refusing to run it twice`,
      );
    return { state: fresh };
  })) as CanaryState;
  const [container, image] = Object.entries(fresh.canaryImages)[0] as [string, string];
  ctx.log.info(
    `canary of run ${run} started on deployment ${ctx.stable}: ${container} ${fresh.stableImages[container]} -> ${image} (${fresh.traffic.mode === 'route' ? `route ${fresh.traffic.route}` : 'replica ratio'})`,
  );
  await ensureCanaryDeployment(ctx.client, stable, identity, state.canaryImages, ctx.namespace);
  return state;
}

/** One canary being driven from its recorded state; every state change is written before it is acted on. */
class CanaryRun {
  private failedOnPoll?: number;

  constructor(
    private readonly ctx: CanaryContext,
    private readonly options: CanaryOptions,
    private state: CanaryState,
    private readonly pods: CanaryPods,
  ) {}

  async toTheEnd(): Promise<CanaryOutcome> {
    try {
      for (;;) {
        const action = nextAction(this.state, this.options.steps);
        if (action.kind === 'done') break;
        if (action.kind === 'abort') throw new CanaryAbort(this.state.message ?? 'aborted');
        if (action.kind === 'promote') {
          await this.promote();
          break;
        }
        await this.runStep(action.index, action.step);
      }
    } catch (err) {
      // A state changed under us belongs to someone else now (a rollback): leave it alone.
      if (err instanceof GateError) throw err;
      const reason =
        err instanceof CanaryAbort
          ? err.message
          : `${err instanceof StepError ? '' : 'internal error: '}${(err as Error).message}`;
      if (err instanceof CanaryAbort && err.poll !== undefined) this.failedOnPoll = err.poll;
      try {
        await this.abort(reason);
      } catch (abortErr) {
        this.ctx.log.error(`could not abort the canary: ${(abortErr as Error).message}`);
        throw err instanceof CanaryAbort ? abortErr : err;
      }
    }
    return outcomeOf(this.state, this.failedOnPoll !== undefined ? { failedOnPoll: this.failedOnPoll } : {});
  }

  /** Writes a change to the state, provided it is still this run's and in the phase we believe. */
  private async advance(
    change: (s: CanaryState) => CanaryState,
    lastKnownGood?: LastKnownGood,
  ): Promise<void> {
    const expected = this.state;
    const written = await writeState(this.ctx.client, this.ctx.stable, this.ctx.namespace, (current) => {
      if (!current || current.run !== expected.run || current.phase !== expected.phase) {
        throw new GateError(
          `deployment "${this.ctx.stable}": the canary state changed under run ${expected.run} (now ${current ? `${current.phase} of run ${current.run}` : 'gone'}); stopping`,
        );
      }
      return {
        state: { ...change(current), updatedAt: iso(this.ctx.now()) },
        ...(lastKnownGood ? { lastKnownGood } : {}),
      };
    });
    this.state = written as CanaryState;
  }

  private async runStep(index: number, step: CanaryStep): Promise<void> {
    const { ctx, state } = this;
    const label = `step ${index + 1} of ${this.options.steps.length}`;
    switch (step.kind) {
      case 'setWeight': {
        const desired = canaryReplicas(state.stableReplicas, step.weight);
        ctx.log.info(
          `${label}: setWeight ${step.weight} (${desired} canary pod(s), ${effectiveWeight(state.traffic, state.stableReplicas, step.weight)}% of traffic)`,
        );
        await scale(ctx.client, state.canaryDeployment, ctx.namespace, desired);
        if (desired > 0) await waitForCanaryPods(ctx, this.pods, desired);
        await shiftTraffic(ctx, state, step.weight);
        await this.advance((s) => ({ ...s, step: index + 1, weight: step.weight, stepStartedAt: undefined }));
        return;
      }
      case 'pause': {
        if (!state.stepStartedAt) await this.advance((s) => ({ ...s, stepStartedAt: iso(ctx.now()) }));
        ctx.log.info(`${label}: pause ${Math.round(step.durationMs / 1000)}s`);
        for (
          let left = pauseRemainingMs(step.durationMs, this.state.stepStartedAt, ctx.now());
          left > 0;
          left = pauseRemainingMs(step.durationMs, this.state.stepStartedAt, ctx.now())
        ) {
          await ctx.sleep(Math.min(ctx.pollMs, left));
          await this.guard();
        }
        await this.advance((s) => ({ ...s, step: index + 1, stepStartedAt: undefined }));
        return;
      }
      case 'analyze': {
        ctx.log.info(
          `${label}: analysis of ${step.metrics.map((m) => m.name).join(', ')} at ${state.weight}%`,
        );
        const prometheus = this.options.prometheusUrl as string;
        const result = await runAnalysis(ctx, step.metrics, {
          query: (q) => queryPrometheus(prometheus, q, { timeoutMs: this.options.queryTimeoutMs }),
          render: (q) =>
            renderQuery(q, {
              namespace: ctx.namespace,
              stableDeployment: ctx.stable,
              canaryDeployment: state.canaryDeployment,
              ...(state.traffic.mode === 'route'
                ? { stableService: state.traffic.stableService, canaryService: state.traffic.canaryService }
                : {}),
            }),
          guard: () => this.guard(),
        });
        await this.guard();
        const line = `at ${state.weight}%: ${result.summary}`;
        await this.advance((s) => ({
          ...s,
          analysis: [...s.analysis, line],
          ...(result.decision === 'continue' ? { step: index + 1 } : {}),
        }));
        if (result.decision === 'abort')
          throw new CanaryAbort(`analysis at ${state.weight}%: ${result.reason}`);
        return;
      }
    }
  }

  /** Between waits: the canary's pods must still be healthy (only once it has pods). */
  private async guard(): Promise<void> {
    if (this.state.weight > 0)
      await guardCanaryPods(
        this.ctx,
        this.pods,
        canaryReplicas(this.state.stableReplicas, this.state.weight),
      );
  }

  private async promote(): Promise<void> {
    const { ctx } = this;
    if (this.state.phase !== 'Promoting') await this.advance((s) => ({ ...s, phase: 'Promoting' }));
    const state = this.state;
    ctx.log.info(`promoting: deployment ${ctx.stable} to ${Object.values(state.canaryImages).join(', ')}`);
    await setImages(
      ctx.client,
      ctx.stable,
      ctx.namespace,
      state.canaryImages,
      state.traffic.mode === 'replicas' ? state.stableReplicas : undefined,
    );
    const rollout = await awaitRollout(
      ctx.client,
      ctx.stable,
      ctx.namespace,
      ctx.rolloutTimeoutMs,
      ctx.pollMs,
      ctx.log,
    );
    if (rollout.outcome !== 'done')
      throw new CanaryAbort(
        `promotion: deployment ${ctx.stable} did not roll out the canary image (${rollout.outcome}): ${rollout.message}`,
      );
    if (state.traffic.mode === 'route')
      await setRouteWeights(ctx.client, state.traffic.route, routeWeights(state.traffic, 0), ctx.namespace);
    await scaleToZero(ctx.client, state.canaryDeployment, ctx.namespace);
    const at = iso(ctx.now());
    await this.advance(
      (s) => ({
        ...s,
        phase: 'Succeeded',
        weight: 0,
        message: `promoted ${Object.values(s.canaryImages).join(', ')}`,
      }),
      { images: { ...state.stableImages, ...state.canaryImages }, at, run: state.run },
    );
    ctx.log.info(
      `canary promoted: deployment ${ctx.stable} runs ${Object.values(state.canaryImages).join(', ')}; recorded as last known good`,
    );
  }

  private async abort(reason: string): Promise<void> {
    const { ctx } = this;
    ctx.log.error(`aborting the canary: ${reason}`);
    if (this.state.phase !== 'Aborting')
      await this.advance((s) => ({ ...s, phase: 'Aborting', message: reason }));
    await restoreStable(ctx, this.state);
    await this.advance((s) => ({ ...s, phase: 'Failed', weight: 0 }));
  }
}
