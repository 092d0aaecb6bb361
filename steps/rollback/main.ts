import { UsageError } from '../lib/errors.js';
import { checkNames, durationFlag, ownerRun, runFlags, shown, waitFlags } from '../lib/deploy/flags.js';
import { sleep } from '../lib/concurrency.js';
import { kubeFlags } from '../lib/kube/flags.js';
import type { RollbackOutcome } from '../lib/rollback/rollback.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';

export const step = defineStep({
  name: 'rollback',
  summary:
    "Roll a Deployment back: after this run's unfinished or failed canary (in a Pipeline's finally), to the last known good images, or to a revision.",
  flags: {
    deployment: { type: 'string', description: 'The stable Deployment', required: true, valueName: 'NAME' },
    to: {
      type: 'string',
      description:
        "finally: undo this run's canary if it did not succeed; last-known-good: the last promoted images; revision: a revision's template",
      choices: ['finally', 'last-known-good', 'revision'],
      default: 'finally',
    },
    revision: {
      type: 'string',
      description: 'With --to revision: the revision number, 0 for the previous one',
      default: '0',
      valueName: 'N',
    },
    wait: {
      type: 'string',
      description: 'Wait for the rollout to finish',
      choices: ['true', 'false'],
      default: 'true',
    },
    ...runFlags,
    ...waitFlags,
    ...dryRunFlag,
    ...kubeFlags,
  },
  results: ['ROLLBACK_RESULT', 'ROLLED_BACK_IMAGES'],
  details: [
    "--to finally (the default, for a Pipeline's finally): reads the image-lifecycle.io/canary state of the",
    'Deployment; only when it belongs to --run and did not succeed (killed mid-way, or aborted) does it put the',
    "traffic back on the stable, scale the canary to 0, restore the stable's images and mark it RolledBack.",
    'Otherwise it changes nothing and exits 0.',
    '--to last-known-good: the images of the last promotion (image-lifecycle.io/last-known-good), by container.',
    "--to revision [--revision N]: like kubectl rollout undo, copies that ReplicaSet's template back (0 = the",
    'previous revision). Both refuse a paused Deployment and one with a canary in flight.',
    'Exit codes: 0 rolled back or nothing to do; 1 refused or rollout failed; 2 bad input; 3 cluster unreachable.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    checkNames(flags, { deployment: 'subdomain', run: 'subdomain', 'task-run': 'subdomain' });
    if (!/^\d{1,9}$/.test(flags.revision)) {
      throw new UsageError(
        `--revision ${shown(flags.revision)} must be a revision number, or 0 for the previous one`,
      );
    }
    const revision = Number(flags.revision);
    const run = flags.to === 'finally' ? ownerRun(flags.run, flags['task-run']) : undefined;
    // The cluster client and what drives it load @kubernetes/client-node: only when it runs, never for --help.
    const [{ createKubeClient }, { rollbackToLastKnownGood, rollbackToRevision, rollbackUnfinishedCanary }] =
      await Promise.all([import('../lib/kube/client.js'), import('../lib/rollback/rollback.js')]);
    const client = createKubeClient(
      { kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace },
      { log },
    );
    const rolloutTimeoutMs = durationFlag('rollout-timeout', flags['rollout-timeout']);
    const ctx = {
      client,
      namespace: client.namespace,
      stable: flags.deployment,
      log,
      pollMs: durationFlag('poll-interval', flags['poll-interval']),
      readyTimeoutMs: rolloutTimeoutMs,
      rolloutTimeoutMs,
      sleep,
      now: () => Date.now(),
    };
    const options = { wait: flags.wait === 'true', dryRun: flags['dry-run'] };
    let outcome: RollbackOutcome;
    if (run) outcome = await rollbackUnfinishedCanary(ctx, run, options.dryRun);
    else if (flags.to === 'last-known-good') outcome = await rollbackToLastKnownGood(ctx, options);
    else outcome = await rollbackToRevision(ctx, revision, options);
    results.set('ROLLBACK_RESULT', outcome.message.slice(0, 1500)).set(
      'ROLLED_BACK_IMAGES',
      Object.entries(outcome.images)
        .map(([c, i]) => `${c}=${i}`)
        .join(',')
        .slice(0, 1500),
    );
    emit(outcome, () => outcome.message);
  },
});
