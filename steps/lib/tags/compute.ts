import semver from 'semver';
import { UsageError } from '../errors.js';
import { conventionalBump } from './bump.js';
import { parseGitRef, shortSha } from './ref.js';
import { sanitizeTag } from './sanitize.js';
import { highestStable, isHighestOnLine, isStable, parseVersion, registryVersions } from './versions.js';

export type LatestPolicy = 'auto' | 'true' | 'false';

export interface TagInput {
  /** refs/heads/x, refs/tags/v1.2.3, refs/pull/7/head, or a PR number. */
  ref: string;
  /** The commit the image was built from. */
  sha: string;
  defaultBranch: string;
  /** An environment tag to add (`staging`); without it the default branch gets `dev`. */
  environment?: string;
  /** The repository's tags now: decides `latest`, `1`, `1.2` and the base of a conventional-commit bump. */
  existingTags?: readonly string[];
  /** Commit messages since the last release; on the default branch they bump the registry's highest version. */
  commitMessages?: string;
  /** `latest` for a stable release: auto = when it is the highest stable version; true/false force it. */
  latest?: LatestPolicy;
}

/** The JSON contract of compute-tags (README). Every tag is in `tags`; the other lists are subsets of it. */
export interface TagSet {
  version: string | null;
  tags: string[];
  /** Release tags that must never move to another digest once pushed. */
  immutableTags: string[];
  /** Tags naming where an image runs (dev, staging, prod); promote moves them. */
  environmentTags: string[];
}

export const DEFAULT_ENVIRONMENT_TAG = 'dev';
/** Environment names a branch tag must not take over, besides the one given. */
const KNOWN_ENVIRONMENTS = ['dev', 'test', 'qa', 'staging', 'stage', 'prod', 'production'];
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,62}$/;
// Anything a version, a version-sha, a floating `1`/`1.2`, or a registry-generated tag could look like.
const VERSION_LIKE = /^v?\d+(?:\.\d+){0,2}(?:[-+].*)?$/i;
const GENERATED = /^(?:sha(?:256|512)?-[0-9a-f]+|pr-\d+)$/i;

export function validateEnvironment(environment: string, what = '--environment'): void {
  if (!ENVIRONMENT.test(environment)) {
    throw new UsageError(
      `${what} "${environment}": an environment is a lowercase name such as dev, staging or prod ([a-z][a-z0-9-]*)`,
    );
  }
}

function reservedTags(environment: string | undefined): (tag: string) => boolean {
  const names = new Set(['latest', ...KNOWN_ENVIRONMENTS, ...(environment ? [environment] : [])]);
  return (tag) => names.has(tag.toLowerCase()) || VERSION_LIKE.test(tag) || GENERATED.test(tag);
}

/**
 * The tags one build gets, by the rules users know from docker/metadata-action and ADR-0033:
 * a release tag `v1.2.3` → `1.2.3`, `1.2.3-<sha7>`, `1.2`, `1`, `latest`; the default branch → `sha-<sha7>`,
 * the branch, `dev`; other branches → the branch, `sha-<sha7>`; pull requests → `pr-<n>`, `sha-<sha7>`.
 */
export function computeTags(input: TagInput): TagSet {
  const sha7 = shortSha(input.sha);
  const ref = parseGitRef(input.ref);
  const defaultBranch = input.defaultBranch.replace(/^refs\/heads\//, '').trim();
  if (!defaultBranch) throw new UsageError('--default-branch is empty');
  const environment = input.environment?.trim() || undefined;
  if (environment) validateEnvironment(environment);
  const existing = registryVersions(input.existingTags ?? []);
  const isReserved = reservedTags(environment);
  const onDefaultBranch = ref.kind === 'branch' && ref.name === defaultBranch;

  let version: semver.SemVer | undefined;
  if (ref.kind === 'tag') {
    version = parseVersion(ref.name);
  } else if (onDefaultBranch && input.commitMessages !== undefined) {
    const level = conventionalBump(input.commitMessages);
    if (level) version = new semver.SemVer(highestStable(existing)?.version ?? '0.0.0').inc(level);
  }

  const immutableTags: string[] = [];
  const tags: string[] = [];
  if (version) {
    immutableTags.push(version.version, `${version.version}-${sha7}`);
    tags.push(...immutableTags, ...floatingTags(version, existing, input.latest ?? 'auto'));
  }
  const shaTag = `sha-${sha7}`;
  if (ref.kind === 'pull') tags.push(`pr-${ref.number}`, shaTag);
  else if (ref.kind === 'tag' && !version)
    tags.push(sanitizeTag(ref.name, { isReserved, prefix: 'tag-' }), shaTag);
  else if (ref.kind === 'branch') {
    const branchTag = sanitizeTag(ref.name, { isReserved, prefix: 'branch-' });
    tags.push(...(onDefaultBranch ? [shaTag, branchTag] : [branchTag, shaTag]));
  }

  const environmentTags = environment ? [environment] : onDefaultBranch ? [DEFAULT_ENVIRONMENT_TAG] : [];
  tags.push(...environmentTags);
  return { version: version?.version ?? null, tags: [...new Set(tags)], immutableTags, environmentTags };
}

/** `1.2`, `1` and `latest`, each only where this version is the highest of its line. */
function floatingTags(
  version: semver.SemVer,
  existing: readonly semver.SemVer[],
  latest: LatestPolicy,
): string[] {
  if (!isStable(version)) return [];
  const tags: string[] = [];
  if (version.major > 0) {
    if (isHighestOnLine(version, existing, 'minor')) tags.push(`${version.major}.${version.minor}`);
    if (isHighestOnLine(version, existing, 'major')) tags.push(`${version.major}`);
  }
  if (latest === 'true' || (latest === 'auto' && isHighestOnLine(version, existing, 'all')))
    tags.push('latest');
  return tags;
}
