import { existsSync } from 'node:fs';
import { UsageError } from '../lib/errors.js';
import { planBundles, pushBundleImage, type PlannedBundle } from '../lib/catalog/bundle.js';
import { isBundleable, loadLibrary } from '../lib/catalog/library.js';
import { mapLimit } from '../lib/concurrency.js';
import { clientFromFlags, parseRepository, registryFlags } from '../lib/oci/index.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';

const DEFAULT_PATHS = ['tasks', 'pipelines'];

export const step = defineStep({
  name: 'bundle',
  summary:
    'Publish every Task and Pipeline as a Tekton bundle: one OCI image per resource, for the bundles resolver.',
  flags: {
    prefix: {
      type: 'string',
      required: true,
      description: 'Repository prefix; bundles go to PREFIX/tasks/<name> and PREFIX/pipelines/<name>',
      valueName: 'REPO',
    },
    path: {
      type: 'string',
      multiple: true,
      description: `YAML file or directory holding Tasks and Pipelines (repeatable; default ${DEFAULT_PATHS.join(', ')})`,
      valueName: 'PATH',
    },
    tag: {
      type: 'string',
      description: "Tag of every bundle (default: each resource's app.kubernetes.io/version)",
      valueName: 'TAG',
    },
    'task-refs': {
      type: 'string',
      choices: ['bundles', 'keep'],
      default: 'bundles',
      description:
        "bundles: a Pipeline's tasks point at their bundles by digest; keep: by name, installed in the namespace",
    },
    ...dryRunFlag,
    ...registryFlags,
  },
  results: [],
  details: [
    'Each image has one gzip tar layer holding the resource as YAML, annotated dev.tekton.image.apiVersion, ',
    'dev.tekton.image.kind (task, pipeline) and dev.tekton.image.name, as the Tekton bundle contract asks. The images',
    'are reproducible: unchanged YAML gives the same digest, so --dry-run prints the exact references.',
    'Exit codes: 0 published; 1 the registry refused a push; 2 bad input; 3 registry unreachable.',
  ].join('\n'),
  async run({ flags, log, emit }) {
    const prefix = parseRepository(flags.prefix);
    const paths = flags.path.length ? flags.path : DEFAULT_PATHS.filter((p) => existsSync(p));
    const objects = loadLibrary(paths).filter(isBundleable);
    if (objects.length === 0) throw new UsageError(`--path ${paths.join(', ')}: no Task or Pipeline found`);
    const plan = planBundles(objects, {
      prefix,
      tag: flags.tag,
      taskRefs: flags['task-refs'] as 'bundles' | 'keep',
    });
    if (!flags['dry-run']) {
      const client = clientFromFlags(flags, log);
      try {
        // Tasks before Pipelines: a Pipeline's bundle must never name a task bundle that is not there yet.
        const tasks = plan.filter((b) => b.source.kind === 'Task');
        await mapLimit(tasks, 4, (b) => pushBundleImage(client, b.ref, b.image));
        await mapLimit(
          plan.filter((b) => b.source.kind !== 'Task'),
          4,
          (b) => pushBundleImage(client, b.ref, b.image),
        );
      } finally {
        await client.close();
      }
    }
    const published = plan.map(describe);
    log.info(
      `${flags['dry-run'] ? 'would publish' : 'published'} ${published.length} bundles under ${prefix.context()}`,
    );
    emit(published, () =>
      published.map((b) => `${b.reference}  ${b.kind.toLowerCase()} ${b.name}`).join('\n'),
    );
  },
});

function describe(b: PlannedBundle): {
  kind: string;
  name: string;
  file: string;
  reference: string;
  digest: string;
} {
  return {
    kind: b.source.kind,
    name: b.source.name,
    file: b.source.file,
    reference: `${b.ref.toString()}@${b.image.digest}`,
    digest: b.image.digest,
  };
}
