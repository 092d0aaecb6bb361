import { readFileSync } from 'node:fs';
import { GateError, UsageError } from '../lib/errors.js';
import {
  clientFromFlags,
  parseReference,
  parseRepository,
  registryFlags,
  RegistryError,
  type ManifestResult,
} from '../lib/oci/index.js';
import { applyTags } from '../lib/tags/apply.js';
import { immutabilityRule } from '../lib/tags/immutable.js';
import { parseTagList } from '../lib/tags/list.js';
import type { TagChange } from '../lib/tags/plan.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';

export const step = defineStep({
  name: 'tag',
  summary:
    'Point tags at a built image by digest (manifest PUT, no blob transfer), never moving an immutable tag.',
  flags: {
    image: {
      type: 'string',
      description: 'The built image, best by digest: registry/repo@sha256:...',
      required: true,
      valueName: 'REF',
    },
    repository: {
      type: 'string',
      description: "Repository the tags go to (same registry; default the image's)",
      valueName: 'REPO',
    },
    tags: {
      type: 'string',
      description: 'Tags to point at the image: comma separated or a JSON array',
      valueName: 'TAGS',
    },
    'tags-file': {
      type: 'string',
      description: 'File holding the tags, e.g. $(results.TAGS.path) written by compute-tags',
      valueName: 'PATH',
    },
    'immutable-tags': {
      type: 'string',
      description: 'Tags that must never move once they exist (compute-tags IMMUTABLE_TAGS)',
      valueName: 'TAGS',
    },
    'immutable-tags-file': {
      type: 'string',
      description: 'File holding the immutable tags',
      valueName: 'PATH',
    },
    'immutable-pattern': {
      type: 'string',
      multiple: true,
      description: 'Regular expression; matching tags are immutable too, e.g. [0-9]+\\.[0-9]+\\.[0-9]+',
      valueName: 'REGEX',
    },
    ...dryRunFlag,
    ...registryFlags,
  },
  results: ['IMAGE_URL', 'IMAGE_DIGEST', 'TAGS_CHANGED'],
  details: [
    'Every tag is checked before any is written: an immutable tag that already points at another digest fails',
    'the step (exit 1) naming both digests, and nothing changes. A tag already on the digest is left alone.',
    'Exit codes: 0 done; 1 immutable tag refused or image not found; 2 bad input; 3 registry unreachable.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    const source = parseReference(flags.image);
    const target = flags.repository ? parseRepository(flags.repository) : parseRepository(source.context());
    if (target.registry !== source.registry) {
      throw new UsageError(
        `--repository ${target.context()}: must be on the image's registry ${source.registry} (tags cannot point across registries)`,
      );
    }
    const tags = [
      ...listFrom(flags.tags, '--tags'),
      ...listFrom(readList(flags['tags-file'], '--tags-file'), '--tags-file'),
    ];
    if (tags.length === 0) throw new UsageError('tag: give at least one tag with --tags or --tags-file');
    const immutable = [
      ...listFrom(flags['immutable-tags'], '--immutable-tags'),
      ...listFrom(readList(flags['immutable-tags-file'], '--immutable-tags-file'), '--immutable-tags-file'),
    ];
    const isImmutable = immutabilityRule(
      immutable,
      flags['immutable-pattern'].filter((p) => p.trim() !== ''),
    );

    const client = clientFromFlags(flags, log);
    try {
      const manifest = await readImage(client, source);
      const digest = manifest.descriptor.digest;
      const { plan } = await applyTags(client, {
        source: source.withDigest(digest),
        manifest,
        target,
        tags: [...new Set(tags)],
        isImmutable,
        dryRun: flags['dry-run'],
        log,
      });
      const changed = plan.writes;
      results
        .set('IMAGE_URL', target.withTag(tags[0] as string).toString())
        .set('IMAGE_DIGEST', digest)
        .set('TAGS_CHANGED', changed.join(','));
      const report = {
        repository: target.context(),
        digest,
        dryRun: flags['dry-run'],
        changes: plan.changes,
      };
      emit(report, () => renderText(target.context(), digest, plan.changes, flags['dry-run']));
    } finally {
      await client.close();
    }
  },
});

async function readImage(
  client: ReturnType<typeof clientFromFlags>,
  source: ReturnType<typeof parseReference>,
): Promise<ManifestResult> {
  try {
    return await client.getManifest(source);
  } catch (err) {
    if (err instanceof RegistryError && err.notFound)
      throw new GateError(`image ${source} not found: ${err.message}`);
    throw err;
  }
}

function listFrom(text: string | undefined, what: string): string[] {
  return text && text.trim() ? parseTagList(text, what) : [];
}

function readList(path: string | undefined, what: string): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${what} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

function renderText(repository: string, digest: string, changes: TagChange[], dryRun: boolean): string {
  const verb: Record<TagChange['action'], string> = {
    create: dryRun ? 'would create' : 'created',
    move: dryRun ? 'would move' : 'moved',
    unchanged: 'already there',
    refused: 'refused',
  };
  const lines = changes.map(
    (c) => `  ${c.tag.padEnd(24)} ${verb[c.action]}${c.action === 'move' ? ` (was ${c.previous})` : ''}`,
  );
  return [`${repository}@${digest}`, ...lines].join('\n');
}
