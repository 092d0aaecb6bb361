import { GateError } from '../errors.js';
import {
  pushArtifact,
  RegistryError,
  type ManifestResult,
  type Reference,
  type RegistryClient,
} from '../oci/index.js';
import type { Logger } from '../tekton/log.js';
import { findVersionTag, requireScanPass } from './checks.js';
import { PROMOTION_ARTIFACT_TYPE, promotionAnnotations, type PromotionRecord } from './record.js';

export interface PromoteInput {
  /** repository@digest of the image to promote. */
  image: Reference;
  environment: string;
  requireScan: boolean;
  actor: string;
  run?: string;
  dryRun?: boolean;
  now?: () => Date;
  log?: Logger;
}

export interface PromoteOutcome {
  repository: string;
  environment: string;
  digest: string;
  previousDigest: string | null;
  version: string;
  scanReport: string | null;
  /** Digest of the promotion record; null when nothing moved (already there, or a dry run). */
  record: string | null;
  changed: boolean;
  dryRun: boolean;
}

/**
 * Moves an environment tag to an image by digest once the image is known to be a scanned release.
 * The record goes in before the tag moves: if the move then fails, a record sits on an image that is not
 * in the environment, which is harmless, whereas an environment whose image has no record leaves a
 * rollback without its previous digest.
 */
export async function promote(client: RegistryClient, input: PromoteInput): Promise<PromoteOutcome> {
  const { image, environment } = input;
  const repository = image.withRepository(image.repository);
  const digest = image.digest as string;
  const manifest = await readByDigest(client, image);
  const version = await findVersionTag(client, repository, digest);
  if (!version) {
    throw new GateError(
      `${image} carries no semver version tag in ${repository.context()}; only released images are promoted`,
    );
  }
  const scan = input.requireScan ? await requireScanPass(client, repository, manifest.descriptor) : undefined;
  const previousDigest = (await client.exists(repository.withTag(environment)))?.digest ?? null;
  const outcome: PromoteOutcome = {
    repository: repository.context(),
    environment,
    digest,
    previousDigest,
    version,
    scanReport: scan?.report ?? null,
    record: null,
    changed: previousDigest !== digest,
    dryRun: Boolean(input.dryRun),
  };
  if (!outcome.changed || input.dryRun) return outcome;

  const record: PromotionRecord = {
    kind: 'image-lifecycle/promotion',
    schemaVersion: 1,
    repository: repository.context(),
    environment,
    digest,
    previousDigest,
    version,
    actor: input.actor,
    ...(input.run ? { run: input.run } : {}),
    time: (input.now?.() ?? new Date()).toISOString(),
  };
  const pushed = await pushArtifact(client, repository, {
    artifactType: PROMOTION_ARTIFACT_TYPE,
    subject: manifest.descriptor,
    annotations: promotionAnnotations(record),
    layers: [{ mediaType: PROMOTION_ARTIFACT_TYPE, data: Buffer.from(JSON.stringify(record)) }],
  });
  input.log?.info(`recorded promotion of ${environment} as ${pushed.digest}`);
  await client.putManifest(repository.withTag(environment), manifest.body, manifest.descriptor.mediaType);
  return { ...outcome, record: pushed.digest };
}

async function readByDigest(client: RegistryClient, image: Reference): Promise<ManifestResult> {
  try {
    return await client.getManifest(image);
  } catch (err) {
    if (err instanceof RegistryError && err.notFound)
      throw new GateError(`${image} does not exist: ${err.message}`);
    throw err;
  }
}
