import type { Descriptor } from '../oci/index.js';

export const PROMOTION_ARTIFACT_TYPE = 'application/vnd.image-lifecycle.promotion.v1+json';
const PREFIX = 'vnd.image-lifecycle.promotion';
const CREATED = 'org.opencontainers.image.created';
export const PromotionAnnotation = {
  environment: `${PREFIX}.environment`,
  previousDigest: `${PREFIX}.previous-digest`,
  actor: `${PREFIX}.actor`,
  version: `${PREFIX}.version`,
  run: `${PREFIX}.run`,
  created: CREATED,
} as const;

/** Who moved which environment to which image, and from what: what a rollback needs. */
export interface PromotionRecord {
  kind: 'image-lifecycle/promotion';
  schemaVersion: 1;
  repository: string;
  environment: string;
  digest: string;
  /** null when the environment tag did not exist before. */
  previousDigest: string | null;
  version: string;
  actor: string;
  /** The TaskRun or PipelineRun that did it, when known. */
  run?: string;
  time: string;
}

export function promotionAnnotations(record: PromotionRecord): Record<string, string> {
  return {
    [PromotionAnnotation.environment]: record.environment,
    [PromotionAnnotation.previousDigest]: record.previousDigest ?? '',
    [PromotionAnnotation.actor]: record.actor,
    [PromotionAnnotation.version]: record.version,
    ...(record.run ? { [PromotionAnnotation.run]: record.run } : {}),
    [PromotionAnnotation.created]: record.time,
  };
}

/**
 * Of several referrers, the one created last: by the `org.opencontainers.image.created` annotation where
 * present, else the later in the listing (the fallback index appends).
 */
export function newestReferrer(referrers: readonly Descriptor[]): Descriptor | undefined {
  let best: { d: Descriptor; t: number; i: number } | undefined;
  referrers.forEach((d, i) => {
    const t = Date.parse(d.annotations?.[CREATED] ?? '') || 0;
    if (!best || t > best.t || (t === best.t && i > best.i)) best = { d, t, i };
  });
  return best?.d;
}
