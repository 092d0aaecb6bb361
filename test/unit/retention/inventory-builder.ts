import { createHash } from 'node:crypto';
import type {
  BlobRef,
  InUseIndex,
  ManifestInfo,
  RawDates,
  RepositoryInventory,
} from '../../../steps/lib/retention/model.js';
import { emptyInUse } from '../../../steps/lib/retention/model.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export function fakeDigest(seed: string): string {
  return 'sha256:' + createHash('sha256').update(seed).digest('hex');
}

export interface ImageOptions {
  created?: string;
  dates?: RawDates;
  blobs?: BlobRef[];
  subject?: string;
  artifactType?: string;
  platform?: string;
  placeholderFor?: string;
}

/** Builds a repository inventory by hand, the way the registry inventory would have read it. */
export class RepoBuilder {
  private readonly manifests = new Map<string, ManifestInfo>();
  private readonly tags = new Map<string, string>();
  private readonly referrers = new Map<string, string[]>();
  private counter = 0;

  constructor(readonly repository = 'team/app') {}

  image(options: ImageOptions = {}): string {
    const digest = fakeDigest(`${this.repository}/image/${this.counter++}`);
    const dates = options.dates ?? (options.created ? { config: options.created } : {});
    const blobs = options.blobs ?? [
      { digest: fakeDigest(`${digest}/config`), size: 100 },
      { digest: fakeDigest(`${digest}/layer`), size: 1000 },
    ];
    this.manifests.set(digest, {
      digest,
      mediaType: OCI_MANIFEST,
      size: 500,
      children: [],
      blobs,
      dates,
      ...(options.subject ? { subject: options.subject } : {}),
      ...(options.artifactType ? { artifactType: options.artifactType } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.placeholderFor ? { placeholderFor: options.placeholderFor } : {}),
    });
    return digest;
  }

  index(children: string[], options: { annotation?: string; seed?: string } = {}): string {
    const digest = fakeDigest(`${this.repository}/index/${options.seed ?? this.counter++}`);
    this.manifests.set(digest, {
      digest,
      mediaType: OCI_INDEX,
      size: 300,
      children,
      blobs: [],
      dates: options.annotation ? { annotation: options.annotation } : {},
    });
    return digest;
  }

  /** A referrers fallback index `sha256-<hex>` listing the referrers of `subject`. */
  fallbackIndex(subject: string, referrers: string[]): string {
    const digest = this.index(referrers, { seed: `fallback/${referrers.join(',')}` });
    this.tag(subject.replace(':', '-'), digest);
    return digest;
  }

  tag(tag: string, digest: string): this {
    this.tags.set(tag, digest);
    return this;
  }

  apiReferrers(subject: string, referrers: string[]): this {
    this.referrers.set(subject, referrers);
    return this;
  }

  build(): RepositoryInventory {
    return {
      repository: this.repository,
      tags: new Map(this.tags),
      manifests: new Map(this.manifests),
      referrers: new Map(this.referrers),
    };
  }
}

export function inUse(entries: {
  tags?: Array<[string, string, string]>;
  digests?: Array<[string, string, string]>;
}): InUseIndex {
  const index = emptyInUse();
  for (const [repo, tag, who] of entries.tags ?? []) {
    const m = index.tags.get(repo) ?? new Map<string, string[]>();
    m.set(tag, [...(m.get(tag) ?? []), who]);
    index.tags.set(repo, m);
  }
  for (const [repo, digest, who] of entries.digests ?? []) {
    const m = index.digests.get(repo) ?? new Map<string, string[]>();
    m.set(digest, [...(m.get(digest) ?? []), who]);
    index.digests.set(repo, m);
  }
  return index;
}

export const DAY = 86_400_000;
export const NOW = Date.parse('2025-06-01T00:00:00Z');
export const daysAgo = (n: number): string => new Date(NOW - n * DAY).toISOString();
