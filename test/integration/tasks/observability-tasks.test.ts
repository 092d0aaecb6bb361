import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { allFlags, type StepDefinition } from '../../../steps/lib/tekton/step.js';
import { step as metricsStep } from '../../../steps/metrics/main.js';
import { step as notifyStep } from '../../../steps/notify/main.js';
import { step as registryHealthStep } from '../../../steps/registry-health/main.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

interface TaskDoc {
  spec: {
    params: Array<{ name: string; default?: string }>;
    steps: Array<{ command: string[]; args: string[] }>;
  };
}

// A stand-in registry that answers 200 to everything, for the step without --dry-run.
const RECEIVER = 'receiver-host';
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

// [task file, its step, values for the params without default, values for some others]
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- steps differ in their flag types
const cases: Array<[string, StepDefinition<any>, Record<string, string>, Record<string, string>]> = [
  [
    'tasks/notify/notify.yaml',
    notifyStep,
    { TARGET: 'slack', PIPELINE_RUN: 'run-1', STATUS: 'Failed' },
    { TASK_STATUSES: 'build=Failed deploy=None' },
  ],
  [
    'tasks/push-metrics/push-metrics.yaml',
    metricsStep,
    { PIPELINE: 'p', APPLICATION: 'a', ENVIRONMENT: 'dev', STATUS: 'Succeeded' },
    { TASK_STATUSES: 'backup=Succeeded' },
  ],
  ['tasks/registry-health/registry-health.yaml', registryHealthStep, { REGISTRY: RECEIVER }, {}],
];

describe.each(cases)('%s, run as Tekton would run it', (file, step, required, extra) => {
  const task = load(readFileSync(file, 'utf8')) as TaskDoc;
  const [only] = task.spec.steps;
  const args = only?.args ?? [];

  // test/tekton/task-step-contract.test.ts checks flags, params and results statically; this runs them.
  test('the params without default are the ones a Pipeline must give', () => {
    const withoutDefault = task.spec.params.filter((p) => p.default === undefined).map((p) => p.name);
    expect(withoutDefault.sort()).toEqual(Object.keys(required).sort());
  });

  test('its args, with the defaults Tekton would fill in, parse and run', async () => {
    const values = Object.fromEntries(
      task.spec.params.map((p) => [p.name, required[p.name] ?? extra[p.name] ?? p.default ?? '']),
    );
    const workspace = makeTempDir('task-ws');
    const resolved = args.map((a) =>
      a
        .replace(/\$\(params\.([A-Z_]+)\)/g, (_m, name: string) => values[name] ?? '')
        // reports bound to an empty directory; dockerconfig left unbound, which Tekton substitutes with "".
        .replace('$(workspaces.reports.path)', workspace)
        .replace('$(workspaces.dockerconfig.path)', ''),
    );
    const host = new URL(receiver.url('/')).host;
    const dryRun = 'dry-run' in allFlags(step) ? ['--dry-run'] : [];
    const run = await runStepInProcess(step, [
      ...resolved.map((a) => (a === RECEIVER ? host : a)),
      ...dryRun,
    ]);
    expect(run.stderr).toBe('');
    expect(run).toExitWith(0);
  });
});
