import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { ExitCode, UsageError } from '../lib/errors.js';
import { cliCommand, findCheckout, writeShim } from '../lib/runner/cli-command.js';
import {
  directoryFlag,
  durationFlag,
  parseHostTools,
  parseSources,
  parseWorkspaces,
  positiveInteger,
} from '../lib/runner/cli-input.js';
import { ConsoleReporter } from '../lib/runner/console.js';
import { buildahArgsFromEnv, ContainerExecutor } from '../lib/runner/container-executor.js';
import { describeRun } from '../lib/runner/dry-run.js';
import { PipelineRunEngine, type RunIdentity } from '../lib/runner/engine.js';
import type { Executor } from '../lib/runner/executor.js';
import { loadPipeline } from '../lib/runner/files.js';
import { HostExecutor } from '../lib/runner/host-executor.js';
import { startLocalCluster, type LocalCluster } from '../lib/runner/local-cluster.js';
import { parseParamFlags } from '../lib/runner/params.js';
import { planRun } from '../lib/runner/plan.js';
import { renderDryRun, renderSummary } from '../lib/runner/report.js';
import { defineStep } from '../lib/tekton/step.js';
import { checkOutputDir } from '../lib/config/paths.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function checkout(): string | undefined {
  return findCheckout([dirname(process.argv[1] ?? '.'), process.cwd()]);
}

/**
 * Host mode: the project's CLI on PATH through a shim (and any --host-tool replacement), the runner's environment
 * (and cluster) for every step.
 */
function hostExecutor(
  workDir: string,
  kubeconfig: string | undefined,
  tools: ReadonlyMap<string, string>,
  dryRun: boolean,
): HostExecutor {
  const root = checkout();
  const entry = process.argv[1] ?? '';
  const command = root ? cliCommand(root) : entry.endsWith('.mjs') ? [process.execPath, entry] : undefined;
  if (!command)
    throw new UsageError(
      'host mode cannot find the image-lifecycle CLI: run it from the checkout or its bundle',
    );
  const bin = join(workDir, 'bin');
  if (!dryRun) {
    writeShim(bin, 'image-lifecycle', command);
    for (const [name, path] of tools) writeShim(bin, name, [path]);
  }
  const env = { ...process.env, ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}) };
  return new HostExecutor({ pathPrefix: [bin], env });
}

export const step = defineStep({
  name: 'run',
  summary:
    "Run a Tekton v1 Pipeline of this library locally, with the same YAML and the same step programs: Tekton's ordering, params, results, when, finally, retries and timeouts.",
  positional: 'pipeline',
  flags: {
    pipeline: {
      type: 'string',
      description: 'Pipeline YAML (tekton.dev/v1); may also be given as the first argument',
      required: true,
      valueName: 'FILE',
    },
    param: {
      type: 'string',
      multiple: true,
      description:
        'Pipeline param: NAME=VALUE, NAME=a,b for an array, NAME.KEY=VALUE for an object (or JSON)',
      valueName: 'NAME=VALUE',
    },
    workspace: {
      type: 'string',
      multiple: true,
      description:
        'Bind a pipeline workspace: NAME=DIR, NAME=emptyDir (fresh per TaskRun) or NAME=temp (one fresh dir for the run)',
      valueName: 'NAME=DIR',
    },
    secret: {
      type: 'string',
      multiple: true,
      description: 'A Secret the tasks mount or read: NAME=DIR, one file per key',
      valueName: 'NAME=DIR',
    },
    configmap: {
      type: 'string',
      multiple: true,
      description: 'A ConfigMap the tasks mount or read: NAME=DIR, one file per key',
      valueName: 'NAME=DIR',
    },
    'tasks-dir': {
      type: 'string',
      description: 'Where taskRefs are found, <dir>/<name>/<name>.yaml (default ./tasks)',
      valueName: 'DIR',
    },
    only: {
      type: 'string',
      description: 'Run only these pipeline tasks (comma-separated)',
      valueName: 'TASK,...',
    },
    mode: {
      type: 'string',
      description: 'host: steps run as processes here; container: each step in its image with buildah',
      choices: ['host', 'container'],
      default: 'host',
    },
    timeout: {
      type: 'string',
      description: 'Pipeline timeout (timeouts.pipeline), 0 for none',
      default: '1h',
      valueName: 'DURATION',
    },
    'tasks-timeout': {
      type: 'string',
      description: 'Timeout of the tasks section (timeouts.tasks)',
      valueName: 'DURATION',
    },
    'finally-timeout': {
      type: 'string',
      description: 'Timeout of the finally section (timeouts.finally)',
      valueName: 'DURATION',
    },
    parallel: { type: 'string', description: 'TaskRuns running at once', default: '4', valueName: 'N' },
    name: {
      type: 'string',
      description: 'PipelineRun name, default <pipeline>-run-<random>',
      valueName: 'NAME',
    },
    namespace: {
      type: 'string',
      description: '$(context.pipelineRun.namespace), and the namespace of --local-cluster',
      default: 'default',
      valueName: 'NS',
    },
    'host-tool': {
      type: 'string',
      multiple: true,
      description:
        'Host mode: run PROGRAM where steps call NAME, e.g. trivy=./replay-trivy.sh on a machine without Trivy',
      valueName: 'NAME=PROGRAM',
    },
    'local-cluster': {
      type: 'boolean',
      description: "Start the repository's Kubernetes test API server and give its KUBECONFIG to the steps",
    },
    'work-dir': {
      type: 'string',
      description:
        'Keep TaskRun directories (results, scripts, volumes) here; default a temp dir removed afterwards',
      valueName: 'DIR',
    },
    'dry-run': {
      type: 'boolean',
      description: "Print the order of the tasks and each step's resolved command, and run nothing",
    },
  },
  results: [],
  details: [
    'Usage: image-lifecycle run PIPELINE.yaml [flags]',
    '',
    'Steps whose command is `image-lifecycle <step>` run this CLI; other steps (git, buildah, trivy...) run the',
    "host's tools in host mode, or their image (local images only) in container mode. Kubernetes steps use",
    'KUBECONFIG from the environment, or the test server with --local-cluster.',
    '',
    'Exit codes: 0 the PipelineRun succeeded; 1 it failed (a task failed, a gate said no, a timeout); 2 bad input,',
    'or a tool, image or Secret this machine lacks.',
  ].join('\n'),
  async run({ flags, emit }) {
    checkOutputDir(flags['work-dir'], '--work-dir');
    const file = resolve(flags.pipeline);
    const tasksDir =
      flags['tasks-dir'] === undefined ? resolve('tasks') : directoryFlag('tasks-dir', flags['tasks-dir']);
    const loaded = loadPipeline(file, tasksDir);
    const pipeline = loaded.pipeline;
    const only = flags.only
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const plan = planRun({
      pipeline,
      findTask: loaded.findTask,
      params: parseParamFlags(flags.param, pipeline.params),
      workspaces: parseWorkspaces(flags.workspace),
      only: only?.length ? only : undefined,
    });
    const sources = {
      secrets: parseSources(flags.secret, 'secret'),
      configMaps: parseSources(flags.configmap, 'configmap'),
    };
    const name =
      flags.name ?? `${pipeline.name.slice(0, 50)}-run-${randomBytes(3).toString('hex').slice(0, 5)}`;
    if (!DNS_LABEL.test(name)) throw new UsageError(`--name "${name}" must be a lowercase DNS label`);
    if (!DNS_LABEL.test(flags.namespace))
      throw new UsageError(`--namespace "${flags.namespace}" must be a lowercase DNS label`);
    const identity: RunIdentity = {
      pipelineRunName: name,
      pipelineRunUid: randomUUID(),
      namespace: flags.namespace,
    };
    const timeouts = {
      pipelineMs: durationFlag('timeout', flags.timeout),
      tasksMs: durationFlag('tasks-timeout', flags['tasks-timeout']),
      finallyMs: durationFlag('finally-timeout', flags['finally-timeout']),
    };
    const parallel = positiveInteger('parallel', flags.parallel);
    const tools = parseHostTools(flags['host-tool']);
    const keep = flags['work-dir'] !== undefined;
    if (keep && existsSync(flags['work-dir'] as string))
      directoryFlag('work-dir', flags['work-dir'] as string);

    // Everything is checked: only now does the run touch the disk.
    const workDir = keep
      ? resolve(flags['work-dir'] as string)
      : mkdtempSync(join(tmpdir(), `il-run-${name}-`));
    mkdirSync(workDir, { recursive: true });
    let cluster: LocalCluster | undefined;
    try {
      if (flags['local-cluster'] && !flags['dry-run']) {
        const root = checkout();
        if (!root)
          throw new UsageError(
            '--local-cluster needs the image-lifecycle checkout (it runs test/kube-server)',
          );
        cluster = await startLocalCluster(root, join(workDir, 'kubeconfig'), flags.namespace);
        process.stderr.write(`local cluster at ${cluster.url} (KUBECONFIG=${cluster.kubeconfig})\n`);
      }
      const kubeconfig = cluster?.kubeconfig ?? process.env.KUBECONFIG?.split(delimiter)[0];
      const executor: Executor =
        flags.mode === 'container'
          ? new ContainerExecutor({ buildahArgs: buildahArgsFromEnv(process.env), kubeconfig })
          : hostExecutor(workDir, cluster?.kubeconfig, tools, flags['dry-run']);

      if (flags['dry-run']) {
        const dry = describeRun(plan, identity, executor, sources, workDir);
        emit(dry, () => renderDryRun(dry));
        return ExitCode.ok;
      }

      const json = flags.output === 'json';
      const stream = json ? process.stderr : process.stdout;
      const reporter = new ConsoleReporter({
        write: (text) => stream.write(text),
        tty: Boolean(stream.isTTY),
        total: plan.tasks.length + plan.finally.length,
      });
      const engine = new PipelineRunEngine(plan, {
        identity,
        executor,
        workDir,
        parallel,
        timeouts,
        sources,
        observer: reporter,
      });
      const cancel = () => engine.cancel();
      process.once('SIGINT', cancel);
      process.once('SIGTERM', cancel);
      const record = await engine.run().finally(() => {
        reporter.close();
        process.off('SIGINT', cancel);
        process.off('SIGTERM', cancel);
      });
      emit(record, () => renderSummary(record) + (keep ? `\nTaskRun directories: ${workDir}` : ''));
      if (record.tasks.some((t) => t.environment)) return ExitCode.usage;
      return record.status === 'Failed' ? ExitCode.gate : ExitCode.ok;
    } finally {
      await cluster?.stop();
      if (!keep) rmSync(workDir, { recursive: true, force: true });
    }
  },
});
