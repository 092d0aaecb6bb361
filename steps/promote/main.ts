import { UsageError } from '../lib/errors.js';
import { clientFromFlags, parseReference, registryFlags } from '../lib/oci/index.js';
import { promote, type PromoteOutcome } from '../lib/promote/promote.js';
import { validateEnvironment } from '../lib/tags/compute.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';

export const step = defineStep({
  name: 'promote',
  summary:
    'Move an environment tag (staging, prod) to a released image by digest, and record the promotion as an OCI referrer.',
  flags: {
    image: {
      type: 'string',
      description: 'The image to promote, by digest: registry/repo@sha256:...',
      required: true,
      valueName: 'REF',
    },
    environment: {
      type: 'string',
      description: 'Environment tag to move, e.g. staging or prod',
      required: true,
      valueName: 'NAME',
    },
    'require-scan': {
      type: 'string',
      description: 'Promote only when the newest scan report attached to the image says pass',
      choices: ['true', 'false'],
      default: 'false',
    },
    actor: {
      type: 'string',
      description: 'Who asked for the promotion (a user, or the trigger)',
      valueName: 'NAME',
    },
    run: {
      type: 'string',
      description: 'The TaskRun or PipelineRun doing it: $(context.taskRun.name)',
      valueName: 'NAME',
    },
    ...dryRunFlag,
    ...registryFlags,
  },
  results: ['PROMOTED_DIGEST', 'PREVIOUS_DIGEST', 'PROMOTION_RECORD'],
  details: [
    'Checks, in order: the digest exists; a semver tag points at it (it is a release); with --require-scan true,',
    'its newest scan report referrer says "pass". Then it attaches a promotion record (artifactType',
    'application/vnd.image-lifecycle.promotion.v1+json, subject = the image, annotations with the environment,',
    'previous digest, actor and time) and moves the tag. PREVIOUS_DIGEST is "" when the tag is new.',
    'Exit codes: 0 promoted or already there; 1 a check said no; 2 bad input; 3 registry unreachable.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    const image = parseReference(flags.image);
    if (!image.digest)
      throw new UsageError(
        `--image ${flags.image}: promote by digest (repo@sha256:...), not by tag, so what was checked is what moves`,
      );
    validateEnvironment(flags.environment);
    const client = clientFromFlags(flags, log);
    let outcome: PromoteOutcome;
    try {
      outcome = await promote(client, {
        image,
        environment: flags.environment,
        requireScan: flags['require-scan'] === 'true',
        actor: flags.actor || (flags.run ? `run/${flags.run}` : 'unknown'),
        run: flags.run || undefined,
        dryRun: flags['dry-run'],
        log,
      });
    } finally {
      await client.close();
    }
    results
      .set('PROMOTED_DIGEST', outcome.digest)
      .set('PREVIOUS_DIGEST', outcome.previousDigest ?? '')
      .set('PROMOTION_RECORD', outcome.record ?? '');
    emit(outcome, () => renderText(outcome));
  },
});

function renderText(o: PromoteOutcome): string {
  const what = !o.changed ? 'already at' : o.dryRun ? 'would move to' : 'moved to';
  return [
    `${o.repository}:${o.environment} ${what} ${o.digest} (${o.version})`,
    `previous: ${o.previousDigest ?? 'none'}`,
    ...(o.scanReport ? [`scan report: ${o.scanReport} (pass)`] : []),
    ...(o.record ? [`record: ${o.record}`] : []),
  ].join('\n');
}
