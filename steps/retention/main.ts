import { readFileSync } from 'node:fs';
import { UsageError } from '../lib/errors.js';
import { integerFlag } from '../lib/http/flags.js';
import type { KubeClient } from '../lib/kube/index.js';
import { kubeFlags } from '../lib/kube/flags.js';
import {
  clientFromFlags,
  parseRepository,
  registryFlags,
  validateRegistryHost,
  type RegistryClient,
} from '../lib/oci/index.js';
import { RegistryBackend, type Backend } from '../lib/retention/backend.js';
import { ImageStreamBackend } from '../lib/retention/imagestreams.js';
import { KubeInUseSource } from '../lib/retention/in-use-kube.js';
import { readPlanFile, writePlanFile } from '../lib/retention/plan-file.js';
import { parseRetentionPolicy } from '../lib/retention/policy.js';
import { renderPlan, summaryResult } from '../lib/retention/render.js';
import { runRetention } from '../lib/retention/run.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';
import { checkOutputFile } from '../lib/config/paths.js';

const NAME = 'retention';

export const step = defineStep({
  name: NAME,
  summary:
    'Delete old tags and images by a retention policy, never what must stay: kept tags, what they reach, images in use.',
  flags: {
    policy: {
      type: 'string',
      description: 'Retention policy (YAML); see examples/retention-policy.yaml',
      required: true,
      valueName: 'FILE',
    },
    backend: {
      type: 'string',
      description: 'oci: any OCI registry; imagestreams: OpenShift image streams of --namespace',
      choices: ['oci', 'imagestreams'],
      default: 'oci',
    },
    registry: { type: 'string', description: 'Registry host[:port] (backend oci)', valueName: 'HOST' },
    repository: {
      type: 'string',
      multiple: true,
      description:
        'Only these repositories (space or comma separated); default: the catalog, or every image stream',
      valueName: 'REPO',
    },
    apply: { type: 'boolean', description: 'Carry out the plan; without it nothing changes' },
    ...dryRunFlag,
    'dry-run-value': {
      type: 'string',
      description: 'true or false: --dry-run or --apply from a value (the Task passes DRY_RUN)',
      choices: ['true', 'false'],
      valueName: 'BOOL',
    },
    'plan-file': {
      type: 'string',
      description: 'Also write the JSON output (the plan, or what was done) to this file',
      valueName: 'FILE',
    },
    'apply-plan': {
      type: 'string',
      description:
        'Check a plan written by --plan-file against the registry now, and with --apply carry it out',
      valueName: 'FILE',
    },
    concurrency: {
      type: 'string',
      description: 'Registry requests in flight at once (1-64)',
      default: '8',
      valueName: 'N',
    },
    ...kubeFlags,
    ...registryFlags,
  },
  results: ['RETENTION_SUMMARY'],
  details: [
    'Dry run unless --apply. Before each change the repository is read again: a tag that moved or a manifest that',
    'something kept now reaches is skipped and reported. Deleting frees no space until the registry garbage-collects',
    '(registry garbage-collect; on OpenShift oc adm prune images).',
    'Exit codes: 0 planned or applied; 2 bad input, or a registry that refuses DELETE (nothing deleted); 3 registry or',
    'cluster unreachable, or repeated 5xx/429 (running again converges).',
  ].join('\n'),
  async run(ctx) {
    const { flags, log, results } = ctx;
    checkOutputFile(flags['plan-file']?.trim(), '--plan-file');
    const given = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
    const apply = applyMode(flags.apply, flags['dry-run'], given(flags['dry-run-value']));
    const policyPath = flags.policy;
    let policyText: string;
    try {
      policyText = readFileSync(policyPath, 'utf8');
    } catch (err) {
      throw new UsageError(
        `${NAME}: --policy ${policyPath} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const policy = parseRetentionPolicy(policyText, policyPath);
    const applyPlan = given(flags['apply-plan']);
    const planned = applyPlan ? readPlanFile(applyPlan, policy.name) : undefined;
    const concurrency = integerFlag(NAME, 'concurrency', flags.concurrency, 1, 64);
    const repositories = flags.repository.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);

    let kube: KubeClient | undefined;
    // The cluster client loads @kubernetes/client-node: only when the cluster is asked, never for --help.
    const kubeClient = async () =>
      (kube ??= (await import('../lib/kube/client.js')).createKubeClient(
        {
          kubeconfig: given(flags.kubeconfig),
          context: given(flags.context),
          namespace: given(flags.namespace),
        },
        { log },
      ));
    let registryClient: RegistryClient | undefined;
    let backend: Backend;
    if (flags.backend === 'imagestreams') {
      const client = await kubeClient();
      backend = new ImageStreamBackend(client, client.namespace);
    } else {
      const registry = given(flags.registry);
      if (!registry) throw new UsageError(`${NAME}: --registry is required with --backend oci`);
      validateRegistryHost(registry, `${NAME}: --registry`);
      for (const r of repositories) parseRepository(`${registry}/${r}`);
      registryClient = clientFromFlags(flags, log, { concurrency });
      backend = new RegistryBackend(registryClient, registry, concurrency);
    }
    try {
      const { plan, warnings } = await runRetention({
        backend,
        policy,
        ...(policy.protectInUse
          ? { inUseSource: new KubeInUseSource(await kubeClient(), policy.inUse.namespaces) }
          : {}),
        repositories,
        apply,
        ...(planned ? { planned } : {}),
        now: Date.now(),
        concurrency,
        log,
      });
      for (const w of warnings) log.warn(w);
      const planFile = given(flags['plan-file']);
      if (planFile) writePlanFile(planFile, plan);
      results.set('RETENTION_SUMMARY', summaryResult(plan));
      ctx.emit(plan, () => renderPlan(plan, { reclaimHint: backend.reclaimHint, warnings }));
    } finally {
      await registryClient?.close();
    }
  },
});

/** --apply, --dry-run and --dry-run-value must agree; with none of them the step only plans. */
function applyMode(apply: boolean, dryRun: boolean, value: string | undefined): boolean {
  if (apply && dryRun) throw new UsageError(`${NAME}: --apply and --dry-run contradict each other; give one`);
  if (value !== undefined && ((value === 'true' && apply) || (value === 'false' && dryRun))) {
    throw new UsageError(`${NAME}: --dry-run-value ${value} contradicts --${apply ? 'apply' : 'dry-run'}`);
  }
  return apply || value === 'false';
}
