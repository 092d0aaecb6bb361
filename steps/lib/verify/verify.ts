import { mapLimit } from '../concurrency.js';
import { GateError } from '../errors.js';
import { newestReferrer } from '../promote/record.js';
import { parseVerdict } from '../promote/verdict.js';
import { readArtifactLayer, type RegistryClient } from '../oci/index.js';
import { RegistryError } from '../oci/errors.js';
import { isIndex } from '../oci/media-types.js';
import type { Reference } from '../oci/reference.js';
import {
  platformString,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from '../oci/types.js';
import { SCAN_REPORT_ARTIFACT_TYPE } from '../scan/report.js';
import type { Logger } from '../tekton/log.js';
import type { CredentialSource } from './credentials.js';
import { selectPlatforms } from './platforms.js';

/** Signature artifacts of cosign, Notation and Sigstore bundles, as OCI referrers. */
export const SIGNATURE_ARTIFACT_TYPES = [
  'application/vnd.dev.cosign.artifact.sig.v1+json',
  'application/vnd.cncf.notary.signature',
  'application/vnd.dev.sigstore.bundle.v0.3+json',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
];

export interface VerifyOptions {
  /** Platforms the image must offer (for an index) or be (for a single image). */
  platforms: Platform[];
  /** Download each checked config and check it against its digest, besides checking it is there. */
  verifyConfig: boolean;
  requireSignature: boolean;
  requireScan: boolean;
  credentials: CredentialSource;
  log?: Logger;
  concurrency?: number;
}

export interface VerifiedImage {
  image: string;
  digest: string;
  /** repo@sha256:..., what to deploy. */
  pinned: string;
  mediaType: string;
  platforms: string[];
  manifestsChecked: number;
  blobsChecked: number;
  signature?: string;
  scanReport?: string;
}

/**
 * Turns the registry's refusal into the reason a deployment would fail: the tag or repository is missing,
 * or the credentials the workload will use (named) were refused. Other failures pass through unchanged
 * (a transient one stays exit 3).
 */
function refusal(
  err: unknown,
  ref: Reference,
  credentials: CredentialSource,
  missing: () => string,
): unknown {
  if (!(err instanceof RegistryError)) return err;
  if (err.status === 401 || err.code === 'UNAUTHORIZED') {
    return new GateError(
      `unauthorized: ${ref.registry} refused ${credentials.describe(ref.registry)} for ${ref.context()}: ${err.message}`,
      { cause: err },
    );
  }
  if (err.status === 403 || err.code === 'DENIED') {
    return new GateError(
      `denied: ${ref.registry} denies ${credentials.describe(ref.registry)} pull access to ${ref.context()}: ${err.message}`,
      { cause: err },
    );
  }
  if (err.notFound) return new GateError(missing(), { cause: err });
  return err;
}

function topMissing(ref: Reference): string {
  return ref.digest
    ? `manifest ${ref.digest} not found in ${ref.context()}`
    : `tag "${ref.tag ?? 'latest'}" not found in ${ref.context()}`;
}

interface BlobCheck {
  descriptor: Descriptor;
  what: string;
  verify: boolean;
}

/** Checks each blob is there at the size the manifest says, and the digest of those asked for. */
async function checkBlobs(
  client: RegistryClient,
  ref: Reference,
  blobs: BlobCheck[],
  concurrency: number,
): Promise<void> {
  await mapLimit(blobs, concurrency, async ({ descriptor, what, verify }) => {
    const where = `${what} (${descriptor.digest}) of ${ref.context()}`;
    if (verify) {
      try {
        await client.getBlob(ref, descriptor.digest);
      } catch (err) {
        if (err instanceof RegistryError && err.code === 'DIGEST_MISMATCH')
          throw new GateError(`${where} is corrupt: ${err.message}`, { cause: err });
        if (err instanceof RegistryError && err.notFound)
          throw new GateError(`${where} is missing from the registry`, { cause: err });
        throw err;
      }
      return;
    }
    const found = await client.headBlob(ref, descriptor.digest);
    if (!found) throw new GateError(`${where} is missing from the registry`);
    if (found.size !== descriptor.size)
      throw new GateError(
        `${where} is ${found.size} bytes in the registry, but the manifest says ${descriptor.size}`,
      );
  });
}

/** An image manifest to check, and whether its config was already downloaded and its digest checked. */
interface Target {
  manifest: ImageManifest;
  platform: string;
  configFetched: boolean;
}

function blobsOf(target: Target, verifyConfig: boolean): BlobCheck[] {
  const { manifest, platform } = target;
  const layers = (manifest.layers ?? []).filter((l) => !l.urls?.length); // foreign layers live elsewhere by design
  return [
    ...(target.configFetched
      ? []
      : [{ descriptor: manifest.config, what: `config blob of ${platform}`, verify: verifyConfig }]),
    ...layers.map((l, i) => ({
      descriptor: l,
      what: `layer ${i + 1} of ${layers.length} of ${platform}`,
      verify: false,
    })),
  ];
}

async function findSignature(
  client: RegistryClient,
  ref: Reference,
  digest: string,
): Promise<string | undefined> {
  const referrers = await client.referrers(ref, digest);
  const hit = referrers.find((d) => d.artifactType && SIGNATURE_ARTIFACT_TYPES.includes(d.artifactType));
  if (hit) return `${hit.artifactType} ${hit.digest}`;
  // cosign without OCI 1.1 referrers stores the signature under a tag named after the digest.
  const tag = `${digest.replace(':', '-')}.sig`;
  return (await client.exists(ref.withTag(tag))) ? `cosign tag ${tag}` : undefined;
}

async function requirePassingScan(
  client: RegistryClient,
  ref: Reference,
  pinned: string,
  digest: string,
): Promise<string> {
  const newest = newestReferrer(await client.referrers(ref, digest, SCAN_REPORT_ARTIFACT_TYPE));
  if (!newest)
    throw new GateError(
      `${pinned} has no scan report (${SCAN_REPORT_ARTIFACT_TYPE}); run image-scan on it before deploying`,
    );
  const verdict = parseVerdict(await readArtifactLayer(client, ref, newest));
  if (verdict !== 'pass')
    throw new GateError(
      `the newest scan report ${newest.digest} of ${pinned} says "${verdict ?? 'no verdict'}", not "pass"`,
    );
  return newest.digest;
}

/**
 * Everything a node will need to start the image, checked from outside it with the workload's own
 * credentials: the reference resolves, the wanted platforms exist, and every manifest, config and layer
 * blob is in the registry. Then, when asked, a signature and a passing scan report are attached.
 * Any gap is a GateError that says exactly what is missing.
 */
export async function verifyImage(
  client: RegistryClient,
  ref: Reference,
  options: VerifyOptions,
): Promise<VerifiedImage> {
  const concurrency = options.concurrency ?? 8;
  const top = await client.getManifest(ref).catch((err: unknown) => {
    throw refusal(err, ref, options.credentials, () => topMissing(ref));
  });
  const digest = top.descriptor.digest;
  const pinned = `${ref.context()}@${digest}`;
  let platforms: string[];
  let targets: Target[];

  if (isIndex(top.descriptor.mediaType) || 'manifests' in top.manifest) {
    const selection = selectPlatforms((top.manifest as ImageIndex).manifests ?? [], options.platforms);
    platforms = selection.available;
    if (selection.missing.length) {
      const has = platforms.length ? platforms.join(', ') : 'no runnable platform';
      throw new GateError(
        `platform ${selection.missing.map((p) => platformString(p)).join(', ')} missing from ${pinned} (it has ${has})`,
      );
    }
    targets = await mapLimit(selection.selected, concurrency, async (entry) => {
      const platform = platformString(entry.platform);
      const child = ref.withDigest(entry.digest);
      const got = await client.getManifest(child).catch((err: unknown) => {
        throw refusal(
          err,
          child,
          options.credentials,
          () =>
            `manifest ${entry.digest} for ${platform}, listed in ${pinned}, is missing from ${ref.context()}`,
        );
      });
      return { manifest: got.manifest as ImageManifest, platform, configFetched: false };
    });
  } else {
    const manifest = top.manifest as ImageManifest;
    const config = await client.getBlob(ref, manifest.config.digest).catch((err: unknown) => {
      if (err instanceof RegistryError && err.code === 'DIGEST_MISMATCH')
        throw new GateError(`config blob of ${pinned} is corrupt: ${err.message}`, { cause: err });
      throw refusal(
        err,
        ref,
        options.credentials,
        () => `config blob (${manifest.config.digest}) of ${pinned} is missing from the registry`,
      );
    });
    const platform = platformOfConfig(config);
    platforms = platform ? [platformString(platform)] : [];
    const selection = selectPlatforms(platform ? [{ ...manifest.config, platform }] : [], options.platforms);
    if (selection.missing.length) {
      throw new GateError(
        `platform ${selection.missing.map((p) => platformString(p)).join(', ')} missing: ${pinned} is a single-platform image for ${platforms[0] ?? 'an unknown platform'}`,
      );
    }
    targets = [{ manifest, platform: platforms[0] ?? 'the image', configFetched: true }];
  }

  const blobs = targets.flatMap((t) => blobsOf(t, options.verifyConfig));
  await checkBlobs(client, ref, blobs, concurrency).catch((err: unknown) => {
    throw refusal(err, ref, options.credentials, () => (err as Error).message);
  });
  const blobsChecked = blobs.length + targets.filter((t) => t.configFetched).length;
  options.log?.info(
    `${pinned}: ${targets.length} image manifest(s) and ${blobsChecked} blob(s) present${platforms.length ? ` for ${platforms.join(', ')}` : ''}`,
  );

  const verified: VerifiedImage = {
    image: ref.toString(),
    digest,
    pinned,
    mediaType: top.descriptor.mediaType,
    platforms,
    manifestsChecked: targets.length,
    blobsChecked,
  };
  if (options.requireSignature) {
    const signature = await findSignature(client, ref, digest);
    if (!signature)
      throw new GateError(
        `${pinned} has no signature (no ${SIGNATURE_ARTIFACT_TYPES.join(', ')} referrer, no cosign .sig tag)`,
      );
    verified.signature = signature;
  }
  if (options.requireScan) verified.scanReport = await requirePassingScan(client, ref, pinned, digest);
  return verified;
}

function platformOfConfig(bytes: Buffer): Platform | undefined {
  try {
    const config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
    if (!config.os || !config.architecture) return undefined;
    return {
      os: config.os,
      architecture: config.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
    };
  } catch {
    return undefined;
  }
}
