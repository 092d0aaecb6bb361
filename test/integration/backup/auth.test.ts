import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { step as backup } from '../../../steps/backup/main.js';
import { step as restore } from '../../../steps/restore/main.js';
import { ADMIN } from '../../helpers/credentials.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { seedPrimary, type SeededPrimary } from './seed-primary.js';
import { pullAll, snapshot } from './snapshot.js';

jest.setTimeout(120_000);

let primary: TestRegistry;
let backupRegistry: TestRegistry;
let rebuilt: TestRegistry;
let seeded: SeededPrimary;
let dockerConfig: string;

beforeAll(async () => {
  // Bearer tokens on the primary and the rebuilt one, Basic on the backup: every kind of credential in one copy.
  [primary, backupRegistry, rebuilt] = await Promise.all([
    startRegistry({ auth: 'token' }),
    startRegistry({ auth: 'basic' }),
    startRegistry({ auth: 'token' }),
  ]);
  seeded = await seedPrimary(primary, ADMIN);
  const dir = makeTempDir('backup-auth');
  dockerConfig = join(dir, 'config.json');
  const auth = Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64');
  writeFileSync(
    dockerConfig,
    JSON.stringify({
      auths: Object.fromEntries([primary, backupRegistry, rebuilt].map((r) => [r.host, { auth }])),
    }),
  );
});
afterAll(async () => {
  await Promise.all([primary, backupRegistry, rebuilt].map((r) => r?.stop()));
});

test('backup and restore across registries that want Bearer tokens and Basic credentials, read from a docker config', async () => {
  const before = await snapshot(primary, seeded.repositories, ADMIN);
  const backedUp = await runStepInProcess(backup, [
    '--source-registry',
    primary.host,
    '--backup-registry',
    backupRegistry.host,
    '--repository',
    'app/* legacy/tool',
    '--prefix',
    'dr/primary',
    '--docker-config',
    dockerConfig,
  ]);
  expect(backedUp.stderr).not.toMatch(/ERROR/);
  expect(backedUp).toExitWith(0);
  expect(backedUp.stderr + backedUp.stdout).not.toContain(ADMIN.password);
  const inBackup = await snapshot(
    backupRegistry,
    seeded.repositories.map((r) => `dr/primary/${r}`),
    ADMIN,
  );
  expect(Object.values(inBackup)).toEqual(Object.values(before));

  const restored = await runStepInProcess(restore, [
    '--backup-registry',
    backupRegistry.host,
    '--target-registry',
    rebuilt.host,
    '--docker-config',
    dockerConfig,
  ]);
  expect(restored).toExitWith(0);
  expect(await snapshot(rebuilt, seeded.repositories, ADMIN)).toEqual(before);
  for (const [repo, tags] of Object.entries(before)) {
    for (const digest of new Set(Object.values(tags))) await pullAll(rebuilt, repo, digest, ADMIN);
  }
});
