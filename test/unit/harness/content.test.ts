import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parseAccessLine } from '../../helpers/access-log.js';
import {
  MediaType,
  buildArtifact,
  buildImage,
  buildIndex,
  referrersFallbackTag,
  sha256Digest,
  withReferrer,
} from '../../helpers/image-content.js';
import { parseChallenge } from '../../helpers/registry-http.js';
import { tarArchive } from '../../helpers/tar.js';

const sha = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('tarArchive', () => {
  test('writes ustar headers with a valid checksum, padded data and the end-of-archive blocks', () => {
    const tar = tarArchive({ 'a.txt': 'hello' });
    expect(tar.length).toBe(512 + 512 + 1024);
    const header = tar.subarray(0, 512);
    expect(header.toString('utf8', 0, 5)).toBe('a.txt');
    expect(header.toString('utf8', 257, 262)).toBe('ustar');
    expect(parseInt(header.toString('utf8', 124, 135), 8)).toBe(5);
    const stored = parseInt(header.toString('utf8', 148, 154), 8);
    const blanked = Buffer.from(header);
    blanked.fill(' ', 148, 156);
    expect(stored).toBe(blanked.reduce((sum, byte) => sum + byte, 0));
    expect(tar.toString('utf8', 512, 517)).toBe('hello');
    expect(tar.subarray(1024).every((byte) => byte === 0)).toBe(true);
  });

  test('the same files give the same bytes', () => {
    expect(tarArchive({ x: 'y' }).equals(tarArchive({ x: 'y' }))).toBe(true);
  });
});

describe('image content', () => {
  const layer = tarArchive({ 'etc/x': 'x' });

  test('OCI image: uncompressed tar layer, diff_id = layer digest, manifest digest over its bytes', () => {
    const image = buildImage('oci', [layer], { labels: { a: 'b' } });
    const manifest = JSON.parse(image.body.toString('utf8'));
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: {
        mediaType: MediaType.ociConfig,
        digest: image.config.descriptor.digest,
        size: image.config.bytes.length,
      },
      layers: [{ mediaType: MediaType.ociLayerTar, digest: sha(layer), size: layer.length }],
    });
    expect(image.digest).toBe(sha(image.body));
    const config = JSON.parse(image.config.bytes.toString('utf8'));
    expect(config).toMatchObject({
      os: 'linux',
      architecture: 'amd64',
      rootfs: { type: 'layers', diff_ids: [sha(layer)] },
    });
    expect(config.config.Labels).toEqual({ a: 'b' });
    expect(image.blobs.map((blob) => blob.descriptor.digest)).toEqual([
      image.config.descriptor.digest,
      sha(layer),
    ]);
  });

  test('Docker image: gzip layer whose content is the tar, diff_id of the uncompressed tar', () => {
    const image = buildImage('docker', [layer]);
    expect(image.mediaType).toBe(MediaType.dockerManifest);
    const [gz] = image.layers;
    expect(gz?.descriptor.mediaType).toBe(MediaType.dockerLayerGzip);
    expect(gunzipSync(gz!.bytes).equals(layer)).toBe(true);
    expect(JSON.parse(image.config.bytes.toString('utf8')).rootfs.diff_ids).toEqual([sha(layer)]);
  });

  test('the same input gives the same digest; another platform another one', () => {
    expect(buildImage('oci', [layer]).digest).toBe(buildImage('oci', [layer]).digest);
    expect(buildImage('oci', [layer], { architecture: 'arm64' }).digest).not.toBe(
      buildImage('oci', [layer]).digest,
    );
  });

  test('artifact: empty config, artifactType, subject, and the empty descriptor as layer without payload', () => {
    const subject = { mediaType: MediaType.ociManifest, digest: sha256Digest(Buffer.from('s')), size: 1 };
    const artifact = buildArtifact({ subject, artifactType: 'application/x.test', annotations: { k: 'v' } });
    const manifest = JSON.parse(artifact.body.toString('utf8'));
    const empty = { mediaType: MediaType.ociEmpty, digest: sha(Buffer.from('{}')), size: 2 };
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/x.test',
      config: empty,
      layers: [empty],
      subject,
      annotations: { k: 'v' },
    });
    expect(artifact.blobs).toHaveLength(1);
  });

  test('referrers fallback: tag from the subject digest, entries replaced in place', () => {
    expect(referrersFallbackTag(`sha256:${'a'.repeat(64)}`)).toBe(`sha256-${'a'.repeat(64)}`);
    const one = { mediaType: MediaType.ociManifest, digest: 'sha256:1', size: 1, artifactType: 'a' };
    const two = { ...one, digest: 'sha256:2' };
    const index = withReferrer([one, two], { ...one, annotations: { n: '2' } });
    expect(JSON.parse(index.body.toString('utf8')).manifests).toEqual([
      { ...one, annotations: { n: '2' } },
      two,
    ]);
    expect(index.mediaType).toBe(MediaType.ociIndex);
    expect(buildIndex('docker', []).mediaType).toBe(MediaType.dockerList);
  });
});

test('parseAccessLine reads distribution combined-format lines and nothing else', () => {
  expect(
    parseAccessLine(
      '127.0.0.1 - - [28/Nov/2026:01:09:21 +0000] "GET /v2/a/b/tags/list?n=2 HTTP/1.1" 200 49 "" "curl/7.88.1"',
    ),
  ).toEqual({ method: 'GET', target: '/v2/a/b/tags/list?n=2', status: 200, userAgent: 'curl/7.88.1' });
  expect(
    parseAccessLine('time="2026-11-28T01:09:20Z" level=info msg="listening on 127.0.0.1:5999"'),
  ).toBeUndefined();
});

test('parseChallenge keeps commas inside quoted values', () => {
  expect(
    parseChallenge('Bearer realm="http://127.0.0.1:1/token",service="svc",scope="repository:a:pull,push"'),
  ).toEqual({
    scheme: 'bearer',
    params: { realm: 'http://127.0.0.1:1/token', service: 'svc', scope: 'repository:a:pull,push' },
  });
  expect(parseChallenge('Basic realm="r"')).toEqual({ scheme: 'basic', params: { realm: 'r' } });
});
