import { writeFileSync } from 'node:fs';
import { checkNames, selectorFlag, shown } from '../lib/deploy/flags.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import {
  pullDurationsDocument,
  pullDurationsResult,
  renderDiagnosis,
  summarizeDiagnosis,
} from '../lib/diagnose/summary.js';
import { kubeFlags } from '../lib/kube/flags.js';
import { defineStep } from '../lib/tekton/step.js';
import { checkOutputFile } from '../lib/config/paths.js';

export const step = defineStep({
  name: 'diagnose-pull',
  summary:
    "Explain why a Deployment's pods cannot pull their image, with a one-line fix, and report image pull durations.",
  flags: {
    deployment: { type: 'string', description: 'Deployment whose pods to diagnose', valueName: 'NAME' },
    selector: {
      type: 'string',
      description: 'Or a pod label selector, e.g. app=web,track=canary',
      valueName: 'SELECTOR',
    },
    'pull-durations-file': {
      type: 'string',
      description:
        'Write the pull durations here as {"pulls":[{"image","seconds",...}]} for the metrics step',
      valueName: 'FILE',
    },
    'fail-on-failure': {
      type: 'string',
      description: 'Exit 1 when a pod cannot pull its image',
      choices: ['true', 'false'],
      default: 'true',
    },
    ...kubeFlags,
  },
  results: ['PULL_FAILURES', 'FAILURE_CATEGORY', 'DIAGNOSIS', 'PULL_DURATIONS'],
  details: [
    "Reads the waiting reason of every container of the pods and the pods' events, and classifies each pull",
    'failure: not-found (tag or manifest), unauthorized (names the pull secrets used and any missing), rate-limited,',
    'unreachable (DNS, timeout, refused), tls, invalid-name, platform-mismatch, never-pull. Crash loops and OOM kills',
    "are listed as runtime failures. Pull durations come from the kubelet's Pulled events (every message form).",
    'Exit codes: 0 no pull failure (or --fail-on-failure false); 1 a pod cannot pull; 2 bad input; 3 API unreachable.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    checkOutputFile(flags['pull-durations-file'], '--pull-durations-file');
    if (!flags.deployment && !flags.selector)
      throw new UsageError('diagnose-pull: give --deployment or --selector');
    if (flags.deployment && flags.selector)
      throw new UsageError('diagnose-pull: give --deployment or --selector, not both');
    checkNames(flags, { deployment: 'subdomain' });
    if (flags.selector) selectorFlag('selector', flags.selector);
    // The cluster client and what drives it load @kubernetes/client-node: only when it runs, never for --help.
    const [{ createKubeClient }, { diagnoseTarget }] = await Promise.all([
      import('../lib/kube/client.js'),
      import('../lib/diagnose/collect.js'),
    ]);
    const client = createKubeClient(
      { kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace },
      { log },
    );
    const diagnosis = await diagnoseTarget(client, {
      namespace: client.namespace,
      deployment: flags.deployment,
      selector: flags.selector,
    });
    const file = flags['pull-durations-file'];
    if (file) {
      try {
        writeFileSync(file, JSON.stringify(pullDurationsDocument(diagnosis), null, 2) + '\n');
      } catch (err) {
        throw new UsageError(
          `--pull-durations-file ${shown(file)}: cannot write it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
    if (diagnosis.pods === 0)
      log.warn(`no pods in namespace ${diagnosis.namespace} match ${diagnosis.selector}`);
    results
      .set('PULL_FAILURES', String(diagnosis.pullFailures.length))
      .set('FAILURE_CATEGORY', diagnosis.pullFailures[0]?.category ?? 'none')
      .set('DIAGNOSIS', summarizeDiagnosis(diagnosis).slice(0, 1500))
      .set('PULL_DURATIONS', pullDurationsResult(diagnosis));
    emit(diagnosis, () => renderDiagnosis(diagnosis));
    return diagnosis.pullFailures.length > 0 && flags['fail-on-failure'] === 'true'
      ? ExitCode.gate
      : ExitCode.ok;
  },
});
