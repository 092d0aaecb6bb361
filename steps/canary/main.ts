import { ExitCode, UsageError } from '../lib/errors.js';
import type { TrafficOption } from '../lib/canary/canary.js';
import { parseAnalysis, parseSteps, readDocument } from '../lib/canary/config.js';
import { checkNames, durationFlag, ownerRun, runFlags, waitFlags } from '../lib/deploy/flags.js';
import { parseLabel } from '../lib/canary/labels.js';
import { prometheusBaseUrl } from '../lib/canary/prometheus.js';
import { sleep } from '../lib/concurrency.js';
import { kubeFlags } from '../lib/kube/flags.js';
import { parseReference } from '../lib/oci/reference.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';

const RESULT_LIMIT = 1500;

export const step = defineStep({
  name: 'canary',
  summary:
    'Progressive delivery without a service mesh: shift traffic to a canary by Route weights or replica ratio, analyze it with Prometheus, then promote or roll back.',
  flags: {
    deployment: { type: 'string', description: 'The stable Deployment', required: true, valueName: 'NAME' },
    image: {
      type: 'string',
      description: 'The canary image, by digest (PINNED_IMAGE from verify)',
      required: true,
      valueName: 'REF',
    },
    container: {
      type: 'string',
      description: 'The container to change (default: the only one)',
      valueName: 'NAME',
    },
    steps: {
      type: 'string',
      description:
        'Canary steps as YAML/JSON (or @file): [{setWeight: 10}, {pause: {duration: 1m}}, {analyze: {}}, ...]',
      required: true,
      valueName: 'YAML',
    },
    analysis: {
      type: 'string',
      description: 'Metric templates as YAML/JSON (or @file): {templates: [...], maxRestarts: 0}',
      valueName: 'YAML',
    },
    'prometheus-url': {
      type: 'string',
      description: 'Prometheus (or Thanos Querier) base URL for analysis',
      valueName: 'URL',
    },
    traffic: {
      type: 'string',
      description: 'How traffic is split',
      choices: ['route', 'replicas'],
      default: 'route',
    },
    route: {
      type: 'string',
      description: 'route mode: the OpenShift Route whose weights are shifted',
      valueName: 'NAME',
    },
    'stable-service': {
      type: 'string',
      description: "route mode: the stable Service (default: the Route's spec.to)",
      valueName: 'NAME',
    },
    'canary-service': {
      type: 'string',
      description: "route mode: the Service selecting the canary's pods",
      valueName: 'NAME',
    },
    'canary-deployment': {
      type: 'string',
      description: 'The canary Deployment to create or reuse (default: <deployment>-canary)',
      valueName: 'NAME',
    },
    'canary-label': {
      type: 'string',
      description: "Label that tells the canary's pods apart",
      default: 'track=canary',
      valueName: 'KEY=VALUE',
    },
    ...runFlags,
    ...waitFlags,
    ...dryRunFlag,
    'ready-timeout': {
      type: 'string',
      description: 'How long canary pods may take to be ready at each weight',
      default: '10m',
      valueName: 'DURATION',
    },
    'query-timeout': {
      type: 'string',
      description: 'Timeout of one Prometheus query',
      default: '10s',
      valueName: 'DURATION',
    },
    ...kubeFlags,
  },
  results: ['CANARY_RESULT', 'ANALYSIS_SUMMARY'],
  details: [
    'State is kept in the image-lifecycle.io/canary annotation of the stable Deployment, written with a',
    "resourceVersion precondition: another run's unfinished canary is refused, and rerunning the step resumes.",
    'Each setWeight scales the canary, waits for its pods (a pull failure, crash loop or OOM kill aborts at once,',
    'with the diagnose-pull reason), then shifts traffic. Each analyze runs its metrics against Prometheus',
    '(failureLimit, consecutiveErrorLimit, inconclusiveLimit; no data is inconclusive and aborts unless',
    'onInconclusive: continue). Promotion sets the stable to the canary image by container name, waits for its',
    'rollout, sends all traffic back to it, scales the canary to 0 and records image-lifecycle.io/last-known-good.',
    'Abort: traffic to the stable first, canary to 0, stable images restored if already changed.',
    'With --dry-run every input and precondition is checked and the plan printed; nothing changes.',
    'Exit codes: 0 promoted (or planned); 1 aborted or refused; 2 bad input; 3 cluster unreachable.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    const run = ownerRun(flags.run, flags['task-run'], flags['dry-run']);
    checkNames(flags, {
      deployment: 'subdomain',
      'canary-deployment': 'subdomain',
      route: 'subdomain',
      'stable-service': 'label',
      'canary-service': 'label',
      container: 'label',
    });
    const image = parseReference(flags.image);
    if (!image.digest)
      log.warn(
        `--image ${flags.image} is a tag: deploy PINNED_IMAGE from verify so what was checked is what runs`,
      );
    const analysis = parseAnalysis(flags.analysis ? readDocument('analysis', flags.analysis) : undefined);
    const steps = parseSteps(readDocument('steps', flags.steps), analysis);
    let traffic: TrafficOption;
    if (flags.traffic === 'route') {
      if (!flags.route || !flags['canary-service'])
        throw new UsageError('canary: --traffic route needs --route and --canary-service');
      traffic = {
        mode: 'route',
        route: flags.route,
        stableService: flags['stable-service'] || undefined,
        canaryService: flags['canary-service'],
      };
    } else {
      traffic = { mode: 'replicas' };
    }
    const pollMs = durationFlag('poll-interval', flags['poll-interval']);
    // The cluster client and what drives it load @kubernetes/client-node: only when it runs, never for --help.
    const [{ createKubeClient }, { runCanary }] = await Promise.all([
      import('../lib/kube/client.js'),
      import('../lib/canary/canary.js'),
    ]);
    const client = createKubeClient(
      { kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace },
      { log },
    );
    const outcome = await runCanary(
      {
        client,
        namespace: client.namespace,
        stable: flags.deployment,
        log,
        pollMs,
        readyTimeoutMs: durationFlag('ready-timeout', flags['ready-timeout']),
        rolloutTimeoutMs: durationFlag('rollout-timeout', flags['rollout-timeout']),
        sleep,
        now: () => Date.now(),
      },
      {
        run,
        image: image.toString(),
        container: flags.container || undefined,
        canaryDeployment: flags['canary-deployment'] || undefined,
        canaryLabel: parseLabel('canary-label', flags['canary-label']),
        traffic,
        steps,
        analysis,
        prometheusUrl: flags['prometheus-url'] ? prometheusBaseUrl(flags['prometheus-url']) : undefined,
        queryTimeoutMs: durationFlag('query-timeout', flags['query-timeout']),
        dryRun: flags['dry-run'],
      },
    );
    results
      .set('CANARY_RESULT', outcome.message.slice(0, RESULT_LIMIT))
      .set('ANALYSIS_SUMMARY', outcome.analysis.join('; ').slice(0, RESULT_LIMIT));
    emit(outcome, () => [outcome.message, ...outcome.analysis.map((a) => `analysis ${a}`)].join('\n'));
    return outcome.result === 'aborted' ? ExitCode.gate : ExitCode.ok;
  },
});
