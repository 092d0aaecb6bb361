import type { Credentials } from '../../helpers/credentials.js';
import { createSeeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';

export const SIGNATURE_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
export const SBOM_TYPE = 'application/spdx+json';

export interface SeededPrimary {
  repositories: string[];
  /** The index of app/multi:2.0.0 and the signature that refers to it. */
  index: { digest: string; children: string[] };
  signature: { digest: string; fallbackTag: string };
  sbom: { digest: string; subject: string; fallbackTag: string };
}

/**
 * A small primary registry with what a backup must carry: several tags per image, a production tag, a layer
 * shared across repositories, a Docker-format image, a two-platform index with a signature, and an SBOM on
 * a platform image, both referrers recorded in `sha256-<hex>` fallback tags (distribution 2.8 has no
 * referrers API).
 */
export async function seedPrimary(
  registry: { url: string },
  credentials?: Credentials,
): Promise<SeededPrimary> {
  const s = createSeeder(registry, credentials);
  const shared = tarArchive({ 'usr/lib/shared.so': 'shared layer '.repeat(4000) });
  const web1 = await s.pushImage({
    repo: 'app/web',
    tag: '1.0.0',
    layers: [shared, tarArchive({ 'app/web': 'web 1' })],
  });
  const web2 = await s.pushImage({
    repo: 'app/web',
    tag: '1.1.0',
    layers: [shared, tarArchive({ 'app/web': 'web 2' })],
  });
  await s.putRawManifest('app/web', 'latest', web2.body, web2.mediaType);
  await s.putRawManifest('app/web', 'prod', web1.body, web1.mediaType);
  await s.pushImage({ repo: 'app/api', tag: '3.0.0', layers: [shared, tarArchive({ 'app/api': 'api' })] });
  await s.pushImage({
    repo: 'legacy/tool',
    tag: 'v7',
    format: 'docker',
    layers: [tarArchive({ 'bin/tool': 'tool' })],
  });
  const multi = await s.pushIndex({
    repo: 'app/multi',
    tag: '2.0.0',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
  });
  const signature = await s.pushArtifactReferrer({
    repo: 'app/multi',
    subject: { mediaType: multi.mediaType, digest: multi.digest, size: multi.size },
    artifactType: SIGNATURE_TYPE,
    payload: {
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      bytes: Buffer.from('{"critical":{"image":{}}}'),
    },
    fallbackTag: true,
  });
  const arm = multi.children[1] as { digest: string; mediaType: string; size: number };
  const sbom = await s.pushArtifactReferrer({
    repo: 'app/multi',
    subject: { mediaType: arm.mediaType, digest: arm.digest, size: arm.size },
    artifactType: SBOM_TYPE,
    payload: { mediaType: SBOM_TYPE, bytes: Buffer.from('{"spdxVersion":"SPDX-2.3"}') },
    fallbackTag: true,
  });
  return {
    repositories: ['app/api', 'app/multi', 'app/web', 'legacy/tool'],
    index: { digest: multi.digest, children: multi.children.map((c) => c.digest) },
    signature: { digest: signature.digest, fallbackTag: signature.fallbackTag as string },
    sbom: { digest: sbom.digest, subject: arm.digest, fallbackTag: sbom.fallbackTag as string },
  };
}
