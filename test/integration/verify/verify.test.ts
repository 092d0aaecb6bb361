import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { step } from '../../../steps/verify/main.js';
import type { KubeClient } from '../../../steps/lib/kube/index.js';
import { pullSecretsFor } from '../../../steps/lib/kube/index.js';
import { startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { ADMIN, basicAuthorization } from '../../helpers/credentials.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type PushedImage, type PushedIndex, type Seeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

let registry: TestRegistry;
let seeder: Seeder;
let cluster: TestCluster;
let kube: KubeClient;
let image: PushedImage;
let index: PushedIndex;

const dockerconfig = (host: string, password: string) =>
  Buffer.from(
    JSON.stringify({
      auths: { [host]: { auth: Buffer.from(`${ADMIN.username}:${password}`).toString('base64') } },
    }),
  ).toString('base64');

beforeAll(async () => {
  [registry, cluster] = await Promise.all([startRegistry({ auth: 'basic' }), startTestCluster()]);
  seeder = createSeeder(registry, ADMIN);
  kube = cluster.client();
  image = await seeder.pushImage({ repo: 'shop/web', tag: 'v1' });
  index = await seeder.pushIndex({
    repo: 'shop/multi',
    tag: '1.0',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 's390x' },
    ],
  });
  const ns = cluster.namespace;
  for (const [name, password] of [
    ['good-pull', ADMIN.password],
    ['wrong-pull', 'not-the-password'],
  ] as const) {
    await kube.core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': dockerconfig(registry.host, password) },
      },
    });
  }
  const other = Buffer.from(
    JSON.stringify({ auths: { 'quay.io': { auth: Buffer.from('u:p-long-secret').toString('base64') } } }),
  ).toString('base64');
  await kube.core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'quay-only' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': other },
    },
  });
  await kube.core.createNamespacedServiceAccount({
    namespace: ns,
    body: {
      metadata: { name: 'deployer' },
      imagePullSecrets: [{ name: 'quay-only' }, { name: 'good-pull' }],
    },
  });
  await kube.core.createNamespacedServiceAccount({
    namespace: ns,
    body: { metadata: { name: 'misconfigured' }, imagePullSecrets: [{ name: 'wrong-pull' }] },
  });
  await kube.core.createNamespacedServiceAccount({
    namespace: ns,
    body: { metadata: { name: 'no-secrets' }, imagePullSecrets: [{ name: 'quay-only' }, { name: 'gone' }] },
  });
});
afterAll(async () => {
  await Promise.all([registry?.stop(), cluster?.stop()]);
});

function verify(...args: string[]) {
  return runStepInProcess(step, [...args, '--kubeconfig', cluster.kubeconfigPath]);
}

const lastError = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('ERROR: '))
    .pop();

describe('verify with the ServiceAccount the workload runs as', () => {
  test('a good image gives its pinned reference, digest and platform', async () => {
    const run = await verify(
      '--image',
      `${registry.host}/shop/web:v1`,
      '--service-account',
      'deployer',
      '--platform',
      'linux/amd64',
      '--output',
      'json',
    );
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(0);
    expect(run.results).toEqual({
      IMAGE_DIGEST: image.digest,
      PINNED_IMAGE: `${registry.host}/shop/web@${image.digest}`,
      PLATFORMS: 'linux/amd64',
    });
    expect(JSON.parse(run.stdout)).toMatchObject({
      manifestsChecked: 1,
      blobsChecked: 1 + image.layerDigests.length,
    });
  });

  test('the ServiceAccount lookup keeps each secret apart, in order', async () => {
    const lookup = await pullSecretsFor(kube, 'deployer');
    expect(lookup.secrets.map((s) => s.name)).toEqual(['quay-only', 'good-pull']);
    expect(Object.keys(lookup.secrets[1]!.dockerConfig.auths)).toEqual([registry.host]);
  });

  test('a missing tag: exit 1 naming the tag and repository, and no results', async () => {
    const run = await verify('--image', `${registry.host}/shop/web:v9`, '--service-account', 'deployer');
    expect(run).toExitWith(1);
    expect(lastError(run.stderr)).toBe(`ERROR: tag "v9" not found in ${registry.host}/shop/web`);
    expect(run.results).toEqual({});
  });

  test("wrong credentials in the ServiceAccount's pull secret: exit 1 naming the secret, the password never printed", async () => {
    const run = await verify('--image', `${registry.host}/shop/web:v1`, '--service-account', 'misconfigured');
    expect(run).toExitWith(1);
    expect(lastError(run.stderr)).toMatch(
      new RegExp(
        `^ERROR: unauthorized: ${registry.host.replace(/\./g, '\\.')} refused the credentials of pull secret "wrong-pull" of ServiceAccount "misconfigured" for ${registry.host.replace(/\./g, '\\.')}/shop/web: `,
      ),
    );
    expect(run.stderr + run.stdout).not.toContain('not-the-password');
  });

  test('no secret with credentials for the registry: exit 1 saying which secrets there are and which are missing', async () => {
    const run = await verify('--image', `${registry.host}/shop/web:v1`, '--service-account', 'no-secrets');
    expect(run).toExitWith(1);
    expect(lastError(run.stderr)).toContain(
      `ERROR: unauthorized: ${registry.host} refused no credentials: no pull secret of ServiceAccount "no-secrets" has any for ${registry.host} (secrets with credentials for other registries: quay-only; missing: gone)`,
    );
    expect(run.stderr).toContain(
      'WARN: ServiceAccount "no-secrets" lists pull secret "gone", which does not exist',
    );
  });

  test('a ServiceAccount that does not exist is a usage error', async () => {
    const run = await verify('--image', `${registry.host}/shop/web:v1`, '--service-account', 'nobody');
    expect(run).toExitWith(2);
    expect(lastError(run.stderr)).toMatch(
      /^ERROR: get serviceaccounts "nobody" in namespace "kt-[0-9a-f]+": not found/,
    );
  });
});

describe('platforms and integrity', () => {
  const config = () => {
    const dir = makeTempDir('verify-docker-config');
    const path = join(dir, 'config.json');
    writeFileSync(
      path,
      JSON.stringify({
        auths: {
          [registry.host]: { auth: Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64') },
        },
      }),
    );
    return path;
  };

  test('an index with the wanted platforms passes and lists every platform', async () => {
    const run = await verify(
      '--image',
      `${registry.host}/shop/multi:1.0`,
      '--docker-config',
      config(),
      '--platform',
      'linux/amd64,linux/s390x',
      '--verify-config',
      'true',
    );
    expect(run).toExitWith(0);
    expect(run.results).toEqual({
      IMAGE_DIGEST: index.digest,
      PINNED_IMAGE: `${registry.host}/shop/multi@${index.digest}`,
      PLATFORMS: 'linux/amd64,linux/s390x',
    });
  });

  test('a missing platform: exit 1 naming it and what the index has', async () => {
    const run = await verify(
      '--image',
      `${registry.host}/shop/multi:1.0`,
      '--docker-config',
      config(),
      '--platform',
      'linux/amd64',
      '--platform',
      'linux/arm64',
    );
    expect(run).toExitWith(1);
    expect(lastError(run.stderr)).toBe(
      `ERROR: platform linux/arm64 missing from ${registry.host}/shop/multi@${index.digest} (it has linux/amd64, linux/s390x)`,
    );
  });

  test('a single-platform image for another platform: exit 1', async () => {
    const run = await verify(
      '--image',
      `${registry.host}/shop/web:v1`,
      '--docker-config',
      config(),
      '--platform',
      'linux/arm64',
    );
    expect(run).toExitWith(1);
    expect(lastError(run.stderr)).toBe(
      `ERROR: platform linux/arm64 missing: ${registry.host}/shop/web@${image.digest} is a single-platform image for linux/amd64`,
    );
  });

  test('a layer blob deleted from the registry: exit 1 naming the layer', async () => {
    const broken = await seeder.pushImage({
      repo: 'shop/broken',
      tag: 'v1',
      layers: [tarArchive({ a: 'first layer\n' }), tarArchive({ b: 'second layer\n' })],
    });
    const layer = broken.layerDigests[1] as string;
    const res = await fetch(`${registry.url}/v2/shop/broken/blobs/${layer}`, {
      method: 'DELETE',
      headers: { authorization: basicAuthorization(ADMIN) },
    });
    expect(res.status).toBe(202);
    const run = await verify('--image', `${registry.host}/shop/broken:v1`, '--docker-config', config());
    expect(run).toExitWith(1);
    expect(lastError(run.stderr)).toBe(
      `ERROR: layer 2 of 2 of linux/amd64 (${layer}) of ${registry.host}/shop/broken is missing from the registry`,
    );
  });

  test('a signature and a passing scan report are required only when asked, and found as referrers', async () => {
    const ref = `${registry.host}/shop/web:v1`;
    const unsigned = await verify('--image', ref, '--docker-config', config(), '--require-signature', 'true');
    expect(unsigned).toExitWith(1);
    expect(lastError(unsigned.stderr)).toMatch(
      /^ERROR: .*@sha256:[0-9a-f]{64} has no signature \(no application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json/,
    );
    const subject = { mediaType: image.mediaType, digest: image.digest, size: image.size };
    const sig = await seeder.pushArtifactReferrer({
      repo: 'shop/web',
      subject,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      fallbackTag: true,
    });
    const unscanned = await verify(
      '--image',
      ref,
      '--docker-config',
      config(),
      '--require-signature',
      'true',
      '--require-scan',
      'true',
    );
    expect(unscanned).toExitWith(1);
    expect(lastError(unscanned.stderr)).toBe(
      `ERROR: ${registry.host}/shop/web@${image.digest} has no scan report (application/vnd.image-lifecycle.scan-report.v1+json); run image-scan on it before deploying`,
    );
    await seeder.pushArtifactReferrer({
      repo: 'shop/web',
      subject,
      artifactType: 'application/vnd.image-lifecycle.scan-report.v1+json',
      payload: {
        mediaType: 'application/vnd.image-lifecycle.scan-report.v1+json',
        bytes: Buffer.from(JSON.stringify({ verdict: 'pass' })),
      },
      fallbackTag: true,
    });
    const ok = await verify(
      '--image',
      ref,
      '--docker-config',
      config(),
      '--require-signature',
      'true',
      '--require-scan',
      'true',
      '--output',
      'json',
    );
    expect(ok).toExitWith(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      signature: `application/vnd.dev.cosign.artifact.sig.v1+json ${sig.digest}`,
      scanReport: expect.stringMatching(/^sha256:/),
    });
  });

  test('bad input is exit 2 with the flag named', async () => {
    const both = await verify(
      '--image',
      `${registry.host}/shop/web:v1`,
      '--service-account',
      'deployer',
      '--docker-config',
      config(),
    );
    expect(both).toExitWith(2);
    const platform = await verify('--image', `${registry.host}/shop/web:v1`, '--platform', 'amd64');
    expect(platform).toExitWith(2);
    expect(lastError(platform.stderr)).toBe(
      'ERROR: --platform "amd64" is not os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8',
    );
  });
});
