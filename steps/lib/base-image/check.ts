import { mapLimit } from '../concurrency.js';
import { errorMessage, StepError } from '../errors.js';
import {
  isIndex,
  parseReference,
  platformString,
  RegistryError,
  type Descriptor,
  type ImageConfig,
  type ManifestResult,
  type Platform,
  type Reference,
  type RegistryClient,
} from '../oci/index.js';
import { freshness, recordedBase, type CurrentBase, type RecordedBase } from './freshness.js';

export type Status = 'fresh' | 'stale' | 'unknown';

export interface PlatformCheck {
  /** os/arch[/variant]; null when the image does not say. */
  platform: string | null;
  manifestDigest: string;
  status: Status;
  /** Why the status is unknown. */
  reason?: string;
  base?: {
    name: string;
    source: RecordedBase['source'];
    recordedDigest: string;
    currentDigest?: string;
    currentPlatformDigest?: string;
  };
}

export interface ImageCheck {
  image: string;
  digest: string | null;
  /** stale when any platform is stale; unknown when none is and some platform could not be judged; fresh otherwise. */
  status: Status;
  reason?: string;
  platforms: PlatformCheck[];
}

const CONFIG_TYPES = /container\.image\.v1\+json|image\.config\.v1\+json/;

/**
 * Compares the base each image records with what the base's tag points at now. Each base tag is resolved
 * once per run however many images use it. Nothing it cannot read counts as fresh: missing records, a
 * base that is gone, a registry that refused, all come out as unknown with the reason.
 */
export class BaseImageChecker {
  private readonly bases = new Map<string, Promise<CurrentBase>>();
  /** A registry failure that outlasted the retries happened somewhere (the run then exits 3). */
  infraFailure = false;

  constructor(
    private readonly client: RegistryClient,
    private readonly concurrency: number,
  ) {}

  checkAll(images: readonly Reference[]): Promise<ImageCheck[]> {
    return mapLimit(images, this.concurrency, (ref) => this.check(ref));
  }

  async check(ref: Reference): Promise<ImageCheck> {
    let top: ManifestResult;
    try {
      top = await this.client.getManifest(ref);
    } catch (err) {
      return {
        image: ref.toString(),
        digest: null,
        status: 'unknown',
        reason: this.failure('the image cannot be read', err),
        platforms: [],
      };
    }
    let platforms: PlatformCheck[];
    if (isIndex(top.descriptor.mediaType) && 'manifests' in top.manifest) {
      const indexAnnotations = top.manifest.annotations;
      // Attestation manifests ride along in indexes as platform unknown/unknown; they have no base.
      const children = top.manifest.manifests.filter((c) => c.platform?.architecture !== 'unknown');
      platforms = await mapLimit(children, this.concurrency, (child) =>
        this.checkPlatformImage(ref, child, indexAnnotations),
      );
    } else {
      platforms = [await this.checkManifest(ref, top, undefined, undefined)];
    }
    const status: Status = platforms.some((p) => p.status === 'stale')
      ? 'stale'
      : platforms.length > 0 && platforms.every((p) => p.status === 'fresh')
        ? 'fresh'
        : 'unknown';
    const check: ImageCheck = { image: ref.toString(), digest: top.descriptor.digest, status, platforms };
    if (platforms.length === 0) check.reason = 'the index lists no platform image';
    return check;
  }

  private async checkPlatformImage(
    ref: Reference,
    child: Descriptor,
    indexAnnotations: Record<string, string> | undefined,
  ): Promise<PlatformCheck> {
    try {
      return await this.checkManifest(
        ref,
        await this.client.getManifest(ref.withDigest(child.digest)),
        child.platform,
        indexAnnotations,
      );
    } catch (err) {
      return {
        platform: child.platform ? platformString(child.platform) : null,
        manifestDigest: child.digest,
        status: 'unknown',
        reason: this.failure('the platform image cannot be read', err),
      };
    }
  }

  private async checkManifest(
    ref: Reference,
    m: ManifestResult,
    listed: Platform | undefined,
    indexAnnotations: Record<string, string> | undefined,
  ): Promise<PlatformCheck> {
    const annotations = 'annotations' in m.manifest ? m.manifest.annotations : undefined;
    let config: ImageConfig | undefined;
    try {
      config = await this.config(ref, m);
    } catch (err) {
      return {
        platform: listed ? platformString(listed) : null,
        manifestDigest: m.descriptor.digest,
        status: 'unknown',
        reason: this.failure('the image config cannot be read', err),
      };
    }
    const platform =
      listed ??
      (config?.os && config.architecture
        ? {
            os: config.os,
            architecture: config.architecture,
            ...(config.variant ? { variant: config.variant } : {}),
          }
        : undefined);
    const out: PlatformCheck = {
      platform: platform ? platformString(platform) : null,
      manifestDigest: m.descriptor.digest,
      status: 'unknown',
    };
    const recorded = recordedBase([
      { source: 'annotations', values: annotations },
      { source: 'labels', values: config?.config?.Labels ?? undefined },
      { source: 'annotations', values: indexAnnotations },
    ]);
    if (!recorded)
      return {
        ...out,
        reason: 'no org.opencontainers.image.base.name and base.digest annotations or labels',
      };
    out.base = { name: recorded.name, source: recorded.source, recordedDigest: recorded.digest };

    let baseRef: Reference;
    try {
      baseRef = parseReference(recorded.name);
    } catch (err) {
      return { ...out, reason: `the recorded base name is not an image reference: ${errorMessage(err)}` };
    }
    if (!baseRef.tag && baseRef.digest)
      return {
        ...out,
        reason: 'the base is pinned by digest without a tag: there is nothing newer to compare with',
      };
    let current: CurrentBase;
    try {
      current = await this.currentBase(baseRef.withTag(baseRef.tag ?? 'latest'));
    } catch (err) {
      return { ...out, reason: this.failure(`base ${recorded.name} cannot be resolved`, err) };
    }
    const verdict = freshness(recorded.digest, current, platform);
    out.base.currentDigest = verdict.currentDigest;
    if (verdict.currentPlatformDigest) out.base.currentPlatformDigest = verdict.currentPlatformDigest;
    return { ...out, status: verdict.fresh ? 'fresh' : 'stale' };
  }

  private async config(ref: Reference, m: ManifestResult): Promise<ImageConfig | undefined> {
    if (!('config' in m.manifest) || !CONFIG_TYPES.test(m.manifest.config.mediaType)) return undefined;
    return JSON.parse(
      (await this.client.getBlob(ref, m.manifest.config.digest)).toString('utf8'),
    ) as ImageConfig;
  }

  private currentBase(ref: Reference): Promise<CurrentBase> {
    const key = ref.toString();
    let found = this.bases.get(key);
    if (!found) {
      found = this.client.getManifest(ref).then(({ descriptor, manifest }) => ({
        digest: descriptor.digest,
        ...(isIndex(descriptor.mediaType) && 'manifests' in manifest
          ? {
              children: manifest.manifests.map((c) => ({
                digest: c.digest,
                ...(c.platform ? { platform: c.platform } : {}),
              })),
            }
          : {}),
      }));
      this.bases.set(key, found);
    }
    return found;
  }

  /** One line for a failure; usage errors are bugs in the input and still end the run. */
  private failure(what: string, err: unknown): string {
    if (err instanceof StepError && err.exitCode === 2 && !(err instanceof RegistryError)) throw err;
    if (err instanceof StepError && err.exitCode === 3) this.infraFailure = true;
    return `${what}: ${errorMessage(err)}`;
  }
}
