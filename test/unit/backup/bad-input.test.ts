import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INVENTORY_MEDIA_TYPE, serializeInventory } from '../../../steps/lib/backup/inventory.js';
import { step as backup } from '../../../steps/backup/main.js';
import { step as restore } from '../../../steps/restore/main.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

// Every case fails before any request: the registries named here do not exist.
const dir = makeTempDir('backup-bad-input');
const badJson = join(dir, 'bad.json');
writeFileSync(badJson, '{"mediaType":');
const inventoryFile = join(dir, 'inventory.json');
writeFileSync(
  inventoryFile,
  serializeInventory({
    schemaVersion: 1,
    mediaType: INVENTORY_MEDIA_TYPE,
    source: '127.0.0.1:1',
    backup: '127.0.0.1:2',
    createdAt: '2026-01-01T00:00:00Z',
    complete: true,
    failures: [],
    entries: [
      {
        repository: 'app/web',
        backupRepository: 'app/web',
        tag: '1.0.0',
        digest: `sha256:${'a'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 1,
        time: '2026-01-01T00:00:00Z',
      },
    ],
  }),
);
/** The failure is one line naming the input, and no stack trace (info lines before it are fine). */
function expectOneErrorLine(stderr: string, message: RegExp): void {
  const errors = stderr.split('\n').filter((l) => l.startsWith('ERROR'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(stderr).not.toMatch(/\n\s+at /);
}

const B = ['--backup-registry', '127.0.0.1:2'];
const S = ['--source-registry', '127.0.0.1:1'];

test.each([
  [[], /backup: --backup-registry is required/],
  [
    ['--backup-registry', 'http://127.0.0.1:2', ...S, '--repository', 'a'],
    /--backup-registry must be a registry host\[:port\].*"http:\/\/127\.0\.0\.1:2"/,
  ],
  [[...B, '--repository', 'a'], /--source-registry is required \(except with --verify\)/],
  [[...B, ...S], /--repository is required/],
  [[...B, ...S, '--repository', 'App/Web'], /--repository "App\/Web" is not a repository name/],
  [[...B, ...S, '--repository', 'app/[x]*'], /--repository "app\/\[x\]\*" is not a repository glob/],
  [[...B, ...S, '--repository', 'a', '--tag=-x'], /--tag "-x" is not a tag or tag glob/],
  [[...B, ...S, '--repository', 'a', '--production-tag', 'a:b'], /--production-tag "a:b" is not a tag/],
  [
    [...B, ...S, '--repository', 'a', '--concurrency', '0'],
    /--concurrency must be a whole number from 1 to 64, got "0"/,
  ],
  [[...B, ...S, '--repository', 'a', '--prefix', 'DR'], /--prefix "DR" is not a repository name/],
  [[...B, '--source-registry', '127.0.0.1:2', '--repository', 'a'], /both 127\.0\.0\.1:2; give --prefix/],
  [[...B, '--inventory-repository', 'Inv'], /--inventory-repository "Inv" is not a repository name/],
  [
    [...B, '--verify', '--inventory-file', join(dir, 'missing.json')],
    /--inventory-file .*missing\.json: cannot read it \(ENOENT\)/,
  ],
  [[...B, '--verify', '--inventory-file', badJson], /inventory .*bad\.json is not JSON/],
  [[...B, '--verify', '--inventory', 'a:b'], /--inventory: invalid inventory name "a:b"/],
])('backup %j exits 2 with one line', async (argv, message) => {
  const run = await runStepInProcess(backup, argv);
  expect(run).toExitWith(2);
  expectOneErrorLine(run.stderr, message);
});

const R = ['--backup-registry', '127.0.0.1:2', '--target-registry', '127.0.0.1:3'];
test.each([
  [['--backup-registry', '127.0.0.1:2'], /restore: --target-registry is required/],
  [
    ['--backup-registry', '127.0.0.1:2', '--target-registry', 'x y'],
    /--target-registry must be a registry host/,
  ],
  [[...R, '--repository', 'App'], /--repository "App" is not a repository name or glob/],
  [[...R, '--inventory-file', badJson], /is not JSON/],
  [
    [...R, '--inventory-file', inventoryFile, '--repository', 'other/*'],
    /restore: --repository other\/\* matches no repository of the inventory \(it has app\/web\)/,
  ],
  [
    [...R, '--inventory-file', inventoryFile, '--tag', '2.*'],
    /restore: --tag 2\.\* matches no tag of the chosen repositories/,
  ],
  [[...R, '--inventory', '.bad'], /--inventory: invalid inventory name/],
])('restore %j exits 2 with one line', async (argv, message) => {
  const run = await runStepInProcess(restore, argv);
  expect(run).toExitWith(2);
  expectOneErrorLine(run.stderr, message);
});
