import { readFileSync } from 'node:fs';
import { UsageError } from '../lib/errors.js';
import {
  clientFromFlags,
  parseRepository,
  registryFlags,
  RegistryError,
  type RegistryClient,
  type Reference,
} from '../lib/oci/index.js';
import { computeTags, validateEnvironment, type LatestPolicy, type TagSet } from '../lib/tags/compute.js';
import { parseGitRef, shortSha } from '../lib/tags/ref.js';
import { parseTagList } from '../lib/tags/list.js';
import { defineStep } from '../lib/tekton/step.js';

export const step = defineStep({
  name: 'compute-tags',
  summary:
    'Compute the tags of a build from its git ref and commit: semver release tags, sha, branch, PR and environment tags.',
  flags: {
    ref: {
      type: 'string',
      description: 'Git ref: refs/heads/<branch>, refs/tags/v1.2.3, refs/pull/7/head, or a PR number',
      required: true,
      valueName: 'REF',
    },
    sha: {
      type: 'string',
      description: 'Commit id the image was built from',
      required: true,
      valueName: 'SHA',
    },
    'default-branch': {
      type: 'string',
      description: 'The branch whose builds are tagged dev',
      default: 'main',
      valueName: 'BRANCH',
    },
    environment: {
      type: 'string',
      description: 'Environment tag to add (staging, prod...); replaces dev on the default branch',
      valueName: 'NAME',
    },
    'commit-messages-file': {
      type: 'string',
      description:
        'Commit messages since the last release (git log --format=%B); on the default branch a feat/fix/breaking change bumps the highest registry version',
      valueName: 'PATH',
    },
    latest: {
      type: 'string',
      description: 'Tag a stable release latest: auto = when it is the highest stable version',
      choices: ['auto', 'true', 'false'],
      default: 'auto',
    },
    'from-registry': {
      type: 'string',
      description: 'Repository whose semver tags decide latest, 1, 1.2 and the bump base',
      valueName: 'REPO',
    },
    'existing-tags': {
      type: 'string',
      description: "The repository's tags given directly (comma separated), instead of --from-registry",
      valueName: 'TAGS',
    },
    ...registryFlags,
  },
  results: ['VERSION', 'TAGS', 'IMMUTABLE_TAGS', 'ENVIRONMENT_TAGS'],
  details: [
    'Output (--output json): {"version": "1.2.3"|null, "tags": [...], "immutableTags": [...], "environmentTags": [...]}.',
    'Results hold the same: VERSION ("" when none), and TAGS, IMMUTABLE_TAGS, ENVIRONMENT_TAGS comma separated.',
    'Exit codes: 0 done; 2 bad input; 1 or 3 when --from-registry cannot be read.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    if (flags['from-registry'] && flags['existing-tags']) {
      throw new UsageError('compute-tags: give --from-registry or --existing-tags, not both');
    }
    // Everything given is checked before the registry is asked, so a typo fails alone and at once.
    parseGitRef(flags.ref);
    shortSha(flags.sha);
    if (flags.environment?.trim()) validateEnvironment(flags.environment.trim());
    const commitMessages = flags['commit-messages-file']
      ? readMessages(flags['commit-messages-file'])
      : undefined;
    let existingTags: string[] = [];
    if (flags['existing-tags']) existingTags = parseTagList(flags['existing-tags'], '--existing-tags');
    if (flags['from-registry']) {
      const repository = parseRepository(flags['from-registry']);
      const client = clientFromFlags(flags, log);
      try {
        existingTags = await tagsOf(client, repository);
      } finally {
        await client.close();
      }
      log.info(`${repository.context()} has ${existingTags.length} tags`);
    }
    const tagSet = computeTags({
      ref: flags.ref,
      sha: flags.sha,
      defaultBranch: flags['default-branch'],
      environment: flags.environment,
      existingTags,
      commitMessages,
      latest: flags.latest as LatestPolicy,
    });
    results
      .set('VERSION', tagSet.version ?? '')
      .set('TAGS', tagSet.tags.join(','))
      .set('IMMUTABLE_TAGS', tagSet.immutableTags.join(','))
      .set('ENVIRONMENT_TAGS', tagSet.environmentTags.join(','));
    emit(tagSet, () => renderText(tagSet));
  },
});

/** A repository that does not exist yet has no tags: the first release of a new image. */
async function tagsOf(client: RegistryClient, repository: Reference): Promise<string[]> {
  try {
    return await client.listTags(repository);
  } catch (err) {
    if (err instanceof RegistryError && err.notFound) return [];
    throw err;
  }
}

function readMessages(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--commit-messages-file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

function renderText(t: TagSet): string {
  return [
    `version:          ${t.version ?? 'none'}`,
    `tags:             ${t.tags.join(' ')}`,
    `immutable tags:   ${t.immutableTags.join(' ') || 'none'}`,
    `environment tags: ${t.environmentTags.join(' ') || 'none'}`,
  ].join('\n');
}
