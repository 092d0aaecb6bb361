import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { step as inspect } from '../../steps/inspect/main.js';
import { freePort } from '../helpers/ports.js';
import { startProcess, waitForOutput, type ManagedProcess } from '../helpers/processes.js';
import { registryConfigYaml } from '../helpers/registry-config.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runStepInProcess } from '../helpers/run-step.js';
import { createSeeder } from '../helpers/seed.js';
import { selfSignedCert } from '../helpers/signing-cert.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

// TLS verification is on for every registry not explicitly insecure. A registry with a self-signed certificate
// (made here with openssl) on 127.0.0.1, serving the storage a plain twin was seeded through. It is named
// 127.1: the same address written short, which the default insecure list (localhost, 127.0.0.1, [::1], exact
// names as docker has them) does not hold, so the client treats it as it would any remote registry.

let plain: TestRegistry;
let tls: ManagedProcess;
let host: string;
let certPath: string;
let digest: string;

beforeAll(async () => {
  plain = await startRegistry();
  digest = (await createSeeder(plain).pushImage({ repo: 'tls/app', tag: 'v1' })).digest;
  const dir = makeTempDir('tls-registry');
  const { certPath: cert, keyPath: key } = await selfSignedCert(
    dir,
    'registry',
    'image-lifecycle test registry',
    'IP:127.0.0.1,DNS:localhost',
  );
  certPath = cert;
  const port = await freePort();
  const config = yaml.load(
    registryConfigYaml({
      port,
      storageDir: plain.storageDir,
      deleteEnabled: false,
      auth: { kind: 'none' },
      httpSecret: randomBytes(16).toString('hex'),
    }),
  ) as { http: Record<string, unknown> };
  config.http.tls = { certificate: cert, key };
  const configPath = join(dir, 'config.yml');
  writeFileSync(configPath, yaml.dump(config));
  tls = startProcess('docker-registry', ['serve', configPath], { name: `TLS registry on 127.0.0.1:${port}` });
  await waitForOutput(tls, new RegExp(`listening on 127\\.0\\.0\\.1:${port}`), 10_000);
  host = `127.1:${port}`;
}, 60_000);

afterAll(async () => {
  await tls?.stop();
  await plain?.stop();
});

test('a registry whose certificate no trusted CA signed is refused: one line naming the cause and the fix', async () => {
  const run = await runStepInProcess(inspect, ['--image', `${host}/tls/app:v1`]);
  expect(run.code).not.toBe(0);
  const lines = run.stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('ERROR'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/TLS failed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
  expect(lines[0]).toMatch(/--ca-file|--insecure-registry/);
  expect(run.results).toEqual({});
});

test('with the certificate given as --ca-file, the same registry is trusted and read', async () => {
  const run = await runStepInProcess(inspect, [
    '--image',
    `${host}/tls/app:v1`,
    '--ca-file',
    certPath,
    '--output',
    'json',
  ]);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(run.stdout)).toMatchObject({ digest });
});

test('only a host named insecure skips verification', async () => {
  const listed = await runStepInProcess(inspect, [
    '--image',
    `${host}/tls/app:v1`,
    '--insecure-registry',
    host,
    '--output',
    'json',
  ]);
  expect(listed).toExitWith(0);
  expect(JSON.parse(listed.stdout)).toMatchObject({ digest });
  const other = await runStepInProcess(inspect, [
    '--image',
    `${host}/tls/app:v1`,
    '--insecure-registry',
    'registry.example.com',
  ]);
  expect(other.code).not.toBe(0);
});
