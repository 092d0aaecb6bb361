import { mapLimit } from '../concurrency.js';
import { GateError } from '../errors.js';
import type { ManifestResult, Reference, RegistryClient } from '../oci/index.js';
import type { Logger } from '../tekton/log.js';
import type { ImmutabilityRule } from './immutable.js';
import { mountManifest } from './mount.js';
import { describeRefusal, planTags, type TagPlan } from './plan.js';

const CONCURRENCY = 8;

export interface ApplyTagsInput {
  /** The image, as read by digest from its own repository. */
  source: Reference;
  manifest: ManifestResult;
  /** The repository the tags belong to; may differ from the source's (same registry). */
  target: Reference;
  tags: readonly string[];
  isImmutable: ImmutabilityRule;
  dryRun?: boolean;
  log?: Logger;
}

export interface ApplyTagsResult {
  plan: TagPlan;
  /** The manifest was brought into the target repository by blob mounts. */
  mounted: boolean;
}

/** Where each tag points now (undefined: absent), one HEAD per tag. */
export async function currentDigests(
  client: RegistryClient,
  repository: Reference,
  tags: readonly string[],
): Promise<Map<string, string | undefined>> {
  const found = await mapLimit(
    tags,
    CONCURRENCY,
    async (tag) => (await client.exists(repository.withTag(tag)))?.digest,
  );
  return new Map(tags.map((tag, i) => [tag, found[i]]));
}

/**
 * Points every tag at the image by manifest PUT of its exact bytes: no blob moves within a repository.
 * All tags are checked before any is written, so a refused immutable tag leaves the repository untouched.
 */
export async function applyTags(client: RegistryClient, input: ApplyTagsInput): Promise<ApplyTagsResult> {
  const { manifest, target } = input;
  const current = await currentDigests(client, target, input.tags);
  const plan = planTags(input.tags, manifest.descriptor.digest, current, input.isImmutable);
  if (plan.refused.length > 0) throw new GateError(describeRefusal(plan, target.context()));
  if (input.dryRun || plan.writes.length === 0) return { plan, mounted: false };

  const mounted =
    target.repository === input.source.repository
      ? false
      : await mountManifest(client, input.source, target, manifest);
  if (mounted) input.log?.info(`mounted ${manifest.descriptor.digest} into ${target.context()}`);
  await mapLimit(plan.writes, CONCURRENCY, async (tag) => {
    await client.putManifest(target.withTag(tag), manifest.body, manifest.descriptor.mediaType);
  });
  return { plan, mounted };
}
