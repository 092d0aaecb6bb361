import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { describeReference } from './expressions.js';
import type { Executor } from './executor.js';
import type { ParamValue, PipelineTask } from './model.js';
import { pipelineTaskReferences } from './dag.js';
import { workspaceRoot, type RunPlan } from './plan.js';
import {
  aggregateStatus,
  conclude,
  executionStatus,
  failureIgnored,
  SkipReason,
  whenAllows,
  type RunConclusion,
  type TaskOutcome,
} from './status.js';
import {
  select,
  substituteList,
  substituteString,
  substituteValue,
  SubstitutionError,
  type ResultReference,
  type Scope,
} from './substitute.js';
import type { TaskRunContext } from './step-plan.js';
import { runTaskAttempt, type AttemptOutcome, type BoundWorkspace, type ConfigSources } from './taskrun.js';
import type { PlannedTask } from './validate.js';
import { timerMs } from './duration.js';

export interface RunIdentity {
  pipelineRunName: string;
  pipelineRunUid: string;
  namespace: string;
}

export interface Timeouts {
  /** timeouts.pipeline: everything, finally included. 0 or undefined: none. */
  pipelineMs?: number;
  /** timeouts.tasks: the tasks section; finally still runs after it. */
  tasksMs?: number;
  /** timeouts.finally: the finally section. */
  finallyMs?: number;
}

export interface RunObserver {
  taskStarted(task: string, taskRun: string, attempt: number): void;
  taskFinished(outcome: TaskOutcome): void;
  line(task: string, step: string, text: string): void;
}

export interface RunRuntime {
  identity: RunIdentity;
  executor: Executor;
  /** Where TaskRun directories go; created if missing. */
  workDir: string;
  /** How many TaskRuns may run at once. */
  parallel: number;
  timeouts: Timeouts;
  sources: ConfigSources;
  observer: RunObserver;
}

export interface RunRecord extends RunConclusion {
  pipelineRun: string;
  pipeline: string;
  namespace: string;
  uid: string;
  mode: 'host' | 'container';
  startTime: string;
  completionTime: string;
  durationMs: number;
  tasks: TaskOutcome[];
  results: Record<string, ParamValue>;
  /** Pipeline results Tekton would not emit, with why. */
  omittedResults: { name: string; reason: string }[];
}

/** A TaskRun's name as Tekton builds it: `<pipelinerun>-<pipeline task>`. */
export function taskRunName(identity: RunIdentity, task: string): string {
  return `${identity.pipelineRunName}-${task}`;
}

/** The pipeline-level variables (variables.md, "Variables available in a Pipeline") other than params, results and statuses. */
export function pipelineVariables(
  plan: RunPlan,
  identity: RunIdentity,
  task: PipelineTask | undefined,
): Map<string, string> {
  const variables = new Map<string, string>([
    ['context.pipelineRun.name', identity.pipelineRunName],
    ['context.pipelineRun.namespace', identity.namespace],
    ['context.pipelineRun.uid', identity.pipelineRunUid],
    ['context.pipeline.name', plan.pipeline.name],
  ]);
  if (task) variables.set('context.pipelineTask.retries', String(task.retries));
  for (const ws of plan.pipeline.workspaces)
    variables.set(`workspaces.${ws.name}.bound`, String(plan.workspaces.has(ws.name)));
  return variables;
}

export function taskRunContext(
  plan: RunPlan,
  identity: RunIdentity,
  p: PlannedTask,
  taskRunUid: string,
  attempt: number,
): TaskRunContext {
  return {
    pipelineRunName: identity.pipelineRunName,
    pipelineRunUid: identity.pipelineRunUid,
    pipelineName: plan.pipeline.name,
    namespace: identity.namespace,
    taskRunName: taskRunName(identity, p.task.name),
    taskRunUid,
    taskName: p.taskName,
    retryCount: attempt,
    pipelineTaskRetries: p.task.retries,
  };
}

/**
 * Runs a planned pipeline with Tekton's semantics: tasks start when their parents are done (in parallel, up to
 * `parallel`); `when` guards only its own task (ordering dependents still run, result consumers are skipped); the
 * first failure stops new tasks from starting, running ones finish, and the finally tasks run regardless.
 */
export class PipelineRunEngine {
  private readonly outcomes = new Map<string, TaskOutcome>();
  /** Aborted when the pipeline timeout elapses or the run is cancelled: everything stops, finally included. */
  private readonly pipelineAbort = new AbortController();
  private ended: 'timeout' | 'cancelled' | undefined;
  private readonly tasksAbort = new AbortController();
  private readonly finallyAbort = new AbortController();

  constructor(
    private readonly plan: RunPlan,
    private readonly runtime: RunRuntime,
  ) {}

  async run(): Promise<RunRecord> {
    const started = new Date();
    const { timeouts } = this.runtime;
    mkdirSync(this.runtime.workDir, { recursive: true });
    const timers = [
      timeouts.pipelineMs ? setTimeout(() => this.stop('timeout'), timerMs(timeouts.pipelineMs)) : undefined,
      timeouts.tasksMs ? setTimeout(() => this.tasksAbort.abort(), timerMs(timeouts.tasksMs)) : undefined,
    ];
    try {
      await this.schedule(
        this.plan.tasks,
        AbortSignal.any([this.pipelineAbort.signal, this.tasksAbort.signal]),
      );
      if (timeouts.finallyMs)
        timers.push(setTimeout(() => this.finallyAbort.abort(), timerMs(timeouts.finallyMs)));
      await this.schedule(
        this.plan.finally,
        AbortSignal.any([this.pipelineAbort.signal, this.finallyAbort.signal]),
      );
    } finally {
      timers.forEach((t) => clearTimeout(t));
    }
    const tasks = [...this.plan.tasks, ...this.plan.finally].map(
      (p) => this.outcomes.get(p.task.name) as TaskOutcome,
    );
    const { results, omitted } = this.pipelineResults();
    const completed = new Date();
    return {
      pipelineRun: this.runtime.identity.pipelineRunName,
      pipeline: this.plan.pipeline.name,
      namespace: this.runtime.identity.namespace,
      uid: this.runtime.identity.pipelineRunUid,
      mode: this.runtime.executor.mode,
      ...conclude(tasks, this.ended),
      startTime: started.toISOString(),
      completionTime: completed.toISOString(),
      durationMs: completed.getTime() - started.getTime(),
      tasks,
      results,
      omittedResults: omitted,
    };
  }

  /** Cancels the run (Ctrl-C): running steps are killed, nothing else starts, finally included, as `tkn pr cancel` does. */
  cancel(): void {
    this.stop('cancelled');
  }

  private stop(why: 'timeout' | 'cancelled'): void {
    this.ended ??= why;
    this.pipelineAbort.abort();
  }

  /** Starts tasks as their parents finish, at most `parallel` at a time, until every task has an outcome. */
  private async schedule(section: readonly PlannedTask[], signal: AbortSignal): Promise<void> {
    const pending = [...section];
    const running = new Map<string, Promise<void>>();
    const parentsDone = (p: PlannedTask) =>
      [...(this.plan.dag.parents.get(p.task.name) ?? [])].every((name) => this.outcomes.has(name));
    for (;;) {
      for (const p of [...pending]) {
        if (!parentsDone(p)) continue;
        const decision = this.decide(p, signal);
        if (decision) {
          pending.splice(pending.indexOf(p), 1);
          this.finish({
            ...decision,
            name: p.task.name,
            section: p.section,
            results: {},
            durationMs: 0,
            attempts: 0,
          });
          continue;
        }
        if (running.size >= this.runtime.parallel) continue;
        pending.splice(pending.indexOf(p), 1);
        running.set(
          p.task.name,
          this.execute(p, signal).then(() => void running.delete(p.task.name)),
        );
      }
      if (running.size === 0) return;
      await Promise.race(running.values());
    }
  }

  private finish(outcome: TaskOutcome): void {
    this.outcomes.set(outcome.name, outcome);
    this.runtime.observer.taskFinished(outcome);
  }

  private stopping(): boolean {
    return this.plan.tasks.some((p) => {
      const o = this.outcomes.get(p.task.name);
      return o?.status === 'Failed' && !failureIgnored(o);
    });
  }

  /**
   * Whether a task that may start must not, in Tekton's order of checks: timeouts, a stopping run, a skipped
   * parent (one skipped by its own `when` does not count), missing results, then its own `when` expressions.
   * Returns the outcome to record instead of running it, or undefined to run it.
   */
  private decide(
    p: PlannedTask,
    signal: AbortSignal,
  ): Pick<TaskOutcome, 'status' | 'reason' | 'message'> | undefined {
    const skip = (reason: string, message?: string) => ({ status: 'Skipped' as const, reason, message });
    if (this.ended) return skip(this.ended === 'timeout' ? SkipReason.pipelineTimeout : SkipReason.cancelled);
    if (signal.aborted)
      return skip(p.section === 'finally' ? SkipReason.finallyTimeout : SkipReason.tasksTimeout);
    if (p.section === 'tasks') {
      if (this.stopping()) return skip(SkipReason.stopping);
      const parents = [...(this.plan.dag.parents.get(p.task.name) ?? [])].map((name) =>
        this.outcomes.get(name),
      );
      if (parents.some((o) => o?.status === 'Skipped' && o.reason !== SkipReason.when))
        return skip(SkipReason.parent);
    }
    const missing = this.missingResult(p);
    if (missing?.invalid)
      return { status: 'Failed', reason: 'InvalidTaskResultReference', message: missing.message };
    if (missing) return skip(SkipReason.missingResults, missing.message);
    try {
      const scope = this.scope(p.task, p.section);
      const when = p.task.when.map((w) => ({
        ...w,
        input: substituteString(w.input, scope),
        values: substituteList(w.values, scope),
      }));
      if (!whenAllows(when))
        return skip(
          SkipReason.when,
          when.map((w) => `"${w.input}" ${w.operator} [${w.values.join(', ')}]`).join(' and '),
        );
    } catch (err) {
      return {
        status: 'Failed',
        reason: 'InvalidWhenExpression',
        message: `task ${p.task.name}: ${errorMessage(err)}`,
      };
    }
    return undefined;
  }

  /**
   * The first result reference that cannot be resolved. A producer that failed or was skipped means the consumer is
   * skipped; one that succeeded without writing the result fails a consumer in the tasks section
   * (InvalidTaskResultReference) and skips one in finally.
   */
  private missingResult(p: PlannedTask): { message: string; invalid: boolean } | undefined {
    for (const ref of pipelineTaskReferences(p.task)) {
      if (ref.kind !== 'result') continue;
      const producer = this.outcomes.get(ref.task);
      const usable = producer && (producer.status === 'Succeeded' || failureIgnored(producer));
      if (!usable) {
        const what = !producer ? 'did not run' : producer.status === 'Skipped' ? 'was skipped' : 'failed';
        return { message: `$(${describeReference(ref)}): task ${ref.task} ${what}`, invalid: false };
      }
      if (producer.results[ref.result] === undefined) {
        const message = `unable to find result referenced by param in '${p.task.name}': Could not find result with name '${ref.result}' for task run '${producer.taskRun}'`;
        return { message, invalid: p.section === 'tasks' && producer.status === 'Succeeded' };
      }
    }
    return undefined;
  }

  /** The pipeline-level variables a pipeline task's params and when expressions see. */
  private scope(task: PipelineTask | undefined, section: 'tasks' | 'finally' | 'results'): Scope {
    const variables = pipelineVariables(this.plan, this.runtime.identity, task);
    return {
      param: (name) => this.plan.params[name],
      result: (ref: ResultReference) => {
        const producer = this.outcomes.get(ref.task);
        const value =
          producer && (producer.status === 'Succeeded' || failureIgnored(producer))
            ? producer.results[ref.result]
            : undefined;
        if (value === undefined)
          throw new SubstitutionError(`$(${describeReference(ref)}) is not available`, 'missingResult');
        return select(value, ref.selector, describeReference(ref));
      },
      taskStatus: (name) => (section === 'finally' ? executionStatus(this.outcomes.get(name)) : undefined),
      tasksStatus: () =>
        section === 'finally'
          ? aggregateStatus(this.plan.tasks.map((p) => this.outcomes.get(p.task.name)))
          : undefined,
      variable: (key) => variables.get(key),
    };
  }

  /** The host directory of a task's workspace binding, its subPath applied; undefined when the pipeline workspace is unbound. */
  private workspaceDir(
    p: PlannedTask,
    binding: PipelineTask['workspaces'][number],
    attemptDir: string,
  ): string | undefined {
    const source = this.plan.workspaces.get(binding.workspace);
    if (!source) return undefined;
    const root = workspaceRoot(source, binding.workspace, this.runtime.workDir, attemptDir);
    const subPath = binding.subPath ? substituteString(binding.subPath, this.scope(p.task, p.section)) : '';
    const dir = subPath ? join(root, subPath) : root;
    mkdirSync(dir, { recursive: true, mode: 0o777 });
    return dir;
  }

  private async execute(p: PlannedTask, phase: AbortSignal): Promise<void> {
    const name = p.task.name;
    const identity = this.runtime.identity;
    const runName = taskRunName(identity, name);
    const started = Date.now();
    let params: Map<string, ParamValue>;
    try {
      const scope = this.scope(p.task, p.section);
      params = new Map(p.task.params.map((param) => [param.name, substituteValue(param.value, scope)]));
    } catch (err) {
      this.finish({
        name,
        section: p.section,
        taskRun: runName,
        status: 'Failed',
        reason: 'InvalidParamValue',
        message: `task ${name}: ${errorMessage(err)}`,
        results: {},
        durationMs: 0,
        attempts: 0,
      });
      return;
    }
    let outcome: AttemptOutcome | undefined;
    let attempt = 0;
    for (; attempt <= p.task.retries; attempt++) {
      this.runtime.observer.taskStarted(name, runName, attempt);
      const dir = join(this.runtime.workDir, attempt === 0 ? runName : `${runName}-retry${attempt}`);
      // A kept --work-dir may hold an earlier run's TaskRun of the same name: its results must not leak in.
      rmSync(dir, { recursive: true, force: true });
      const timeout = p.task.timeoutMs ? AbortSignal.timeout(timerMs(p.task.timeoutMs)) : undefined;
      const signal = timeout ? AbortSignal.any([phase, timeout]) : phase;
      const workspaces: BoundWorkspace[] = p.spec.workspaces.map((declaration) => {
        const binding = p.task.workspaces.find((b) => b.name === declaration.name);
        return { declaration, hostPath: binding ? this.workspaceDir(p, binding, dir) : undefined };
      });
      outcome = await runTaskAttempt({
        pipelineTask: name,
        spec: p.spec,
        params,
        propagated: p.embedded ? this.plan.params : {},
        context: taskRunContext(this.plan, identity, p, randomUUID(), attempt),
        workspaces,
        sources: this.runtime.sources,
        dir,
        executor: this.runtime.executor,
        signal,
        onLine: (step, line) => this.runtime.observer.line(name, step, line),
      });
      if (outcome.reason === 'TaskRunTimeout' && phase.aborted) {
        const why =
          this.ended === 'cancelled'
            ? 'the PipelineRun was cancelled'
            : this.ended
              ? SkipReason.pipelineTimeout
              : 'the timeout of its section was reached';
        outcome = {
          ...outcome,
          reason: this.ended === 'cancelled' ? 'TaskRunCancelled' : outcome.reason,
          message: `TaskRun "${runName}" was stopped: ${why}`,
        };
      }
      if (outcome.status === 'Succeeded' || outcome.environment || phase.aborted) break;
    }
    const done = outcome as AttemptOutcome;
    const ignored = done.status === 'Failed' && p.task.onError === 'continue' && !done.environment;
    this.finish({
      name,
      section: p.section,
      taskRun: runName,
      status: done.status,
      reason: ignored ? 'FailureIgnored' : done.reason,
      message: done.message,
      results: done.results,
      durationMs: Date.now() - started,
      attempts: Math.min(attempt + 1, p.task.retries + 1),
      ...(done.environment ? { environment: true } : {}),
    });
  }

  /** Pipeline results from task results; one whose task failed, was skipped or did not write it is omitted, as Tekton omits it. */
  private pipelineResults(): {
    results: Record<string, ParamValue>;
    omitted: { name: string; reason: string }[];
  } {
    const results: Record<string, ParamValue> = {};
    const omitted: { name: string; reason: string }[] = [];
    const scope = this.scope(undefined, 'results');
    for (const result of this.plan.pipeline.results) {
      try {
        results[result.name] = substituteValue(result.value, scope);
      } catch (err) {
        omitted.push({ name: result.name, reason: errorMessage(err) });
      }
    }
    return { results, omitted };
  }
}
