import { pushArtifact, type Reference, type RegistryClient } from '../oci/index.js';
import type { Descriptor } from '../oci/types.js';
import { SCAN_REPORT_ARTIFACT_TYPE, type EvaluatedReport } from './report.js';

/** Annotation on the attached artifact's manifest, copied into referrer listings, so readers can pick without downloading. */
const VERDICT_ANNOTATION = 'vnd.image-lifecycle.scan.verdict';
const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/**
 * Attaches the evaluated report to the image it judged, as an OCI artifact whose subject is the image:
 * the registry's referrers API lists it under the image digest, or the `sha256-<hex>` fallback tag does
 * where the registry has no such API.
 */
export async function attachReport(
  client: RegistryClient,
  image: Reference,
  subject: Descriptor,
  report: EvaluatedReport,
): Promise<Descriptor> {
  return pushArtifact(client, image, {
    artifactType: SCAN_REPORT_ARTIFACT_TYPE,
    layers: [
      {
        mediaType: SCAN_REPORT_ARTIFACT_TYPE,
        data: Buffer.from(JSON.stringify(report)),
        annotations: { 'org.opencontainers.image.title': 'scan-report.json' },
      },
    ],
    subject,
    annotations: { [CREATED_ANNOTATION]: report.evaluatedAt, [VERDICT_ANNOTATION]: report.verdict },
  });
}
