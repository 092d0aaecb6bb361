import { sha256Digest } from '../oci/digest.js';
import { EMPTY_CONFIG, OCI_MANIFEST } from '../oci/media-types.js';
import type { ImageManifest, Manifest } from '../oci/types.js';

/**
 * Tags that are not images of their own: the OCI 1.1 referrers fallback tag `sha256-<hex>` and cosign's
 * `sha256-<hex>.sig|.att|.sbom`. They belong to the manifest they name and share its fate.
 */
const ATTACHMENT_TAG = /^(sha256|sha512)-([a-f0-9]{64}|[a-f0-9]{128})(\.(sig|att|sbom))?$/;

export interface Attachment {
  subject: string;
  kind: 'referrers index' | 'signature' | 'attestation' | 'SBOM';
}

const KINDS: Record<string, Attachment['kind']> = {
  '': 'referrers index',
  '.sig': 'signature',
  '.att': 'attestation',
  '.sbom': 'SBOM',
};

export function attachmentOf(tag: string): Attachment | undefined {
  const match = ATTACHMENT_TAG.exec(tag);
  if (!match) return undefined;
  return { subject: `${match[1]}:${match[2]}`, kind: KINDS[match[3] ?? ''] as Attachment['kind'] };
}

/**
 * Removing one tag from a digest that must stay, where the registry cannot delete tags (distribution 2.x):
 * the tag is pointed at a tiny manifest of its own, then that manifest is deleted by digest. The manifest
 * names its tag, so it is unique per tag and recognisable if a run stops between the two steps.
 */
export const PLACEHOLDER_ARTIFACT_TYPE = 'application/vnd.image-lifecycle.retention.placeholder.v1';
export const PLACEHOLDER_TAG_ANNOTATION = 'dev.image-lifecycle.retention.placeholder-for';

export function placeholderManifest(tag: string): { body: Buffer; digest: string; mediaType: string } {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: PLACEHOLDER_ARTIFACT_TYPE,
    config: { mediaType: EMPTY_CONFIG.mediaType, digest: EMPTY_CONFIG.digest, size: EMPTY_CONFIG.size },
    layers: [],
    annotations: { [PLACEHOLDER_TAG_ANNOTATION]: tag },
  };
  const body = Buffer.from(JSON.stringify(manifest));
  return { body, digest: sha256Digest(body), mediaType: OCI_MANIFEST };
}

export function placeholderFor(manifest: Manifest): string | undefined {
  if (manifest.artifactType !== PLACEHOLDER_ARTIFACT_TYPE) return undefined;
  return manifest.annotations?.[PLACEHOLDER_TAG_ANNOTATION];
}

export function shortDigest(digest: string): string {
  return digest.slice(0, 19);
}
