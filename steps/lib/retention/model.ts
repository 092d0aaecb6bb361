/**
 * What the planner knows about a registry: plain data read by an inventory (OCI registry or ImageStreams),
 * so planning is a pure function that unit tests feed directly.
 */

export interface BlobRef {
  digest: string;
  size: number;
}

/** Creation dates as each source gives them, unparsed; the policy decides which source counts. */
export interface RawDates {
  /** The image config's `created`. */
  config?: string;
  /** The manifest's `org.opencontainers.image.created` annotation. */
  annotation?: string;
  /** The config's `org.opencontainers.image.created` label. */
  label?: string;
}

export interface ManifestInfo {
  digest: string;
  mediaType: string;
  size: number;
  /** Manifests an index lists (platform images, nested indexes, or the referrers of a fallback index). */
  children: string[];
  /** Config and layer blobs, for the storage a deletion frees. */
  blobs: BlobRef[];
  /** The manifest this one is about (OCI 1.1 `subject`): a signature, SBOM or attestation. */
  subject?: string;
  artifactType?: string;
  /** A platform such as linux/arm64, for reasons that name an index's child. */
  platform?: string;
  dates: RawDates;
  /** The tag this manifest stands in for while that tag is being removed (see placeholder.ts). */
  placeholderFor?: string;
}

export interface RepositoryInventory {
  repository: string;
  /** tag → digest. */
  tags: Map<string, string>;
  /** Every manifest read, by digest. A digest missing here was not found in the repository. */
  manifests: Map<string, ManifestInfo>;
  /** subject digest → referrer digests, from a referrers API (fallback tags are plain tags). */
  referrers: Map<string, string[]>;
}

/** Images running in the cluster, as the planner needs them: per repository, tags and digests with who uses them. */
export interface InUseIndex {
  tags: Map<string, Map<string, string[]>>;
  digests: Map<string, Map<string, string[]>>;
}

export const emptyInUse = (): InUseIndex => ({ tags: new Map(), digests: new Map() });

export type Action = 'keep' | 'delete' | 'untag';

export interface Decision {
  repository: string;
  /** null for a manifest without a tag (an index's platform image, a referrer). */
  tag: string | null;
  digest: string;
  action: Action;
  reasons: string[];
}

export interface PlanSummary {
  repositories: number;
  tagsKept: number;
  tagsDeleted: number;
  manifestsDeleted: number;
  reclaimableBytes: number;
  skipped: number;
}

/** The output contract of the retention step (--output json and --plan-file). */
export interface Plan {
  dryRun: boolean;
  policy: string;
  decisions: Decision[];
  summary: PlanSummary;
}
