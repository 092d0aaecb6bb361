import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInventory } from '../../../steps/lib/backup/inventory.js';
import { parseReference, RegistryClient } from '../../../steps/lib/oci/index.js';
import { parseAccessLine } from '../../helpers/access-log.js';
import { runCli, type CliResult } from '../../helpers/cli.js';
import { startFaultProxy } from '../../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { seedPrimary, SIGNATURE_TYPE, type SeededPrimary } from './seed-primary.js';
import { pullAll, snapshot, type Snapshot } from './snapshot.js';

jest.setTimeout(120_000);

const INVENTORY_REPO = 'image-lifecycle-backup/inventory';
const registries: TestRegistry[] = [];
let primary: TestRegistry;
let backup: TestRegistry;
let seeded: SeededPrimary;
let before: Snapshot;
let work: string;

async function registry(): Promise<TestRegistry> {
  const r = await startRegistry();
  registries.push(r);
  return r;
}

beforeAll(async () => {
  [primary, backup] = await Promise.all([registry(), registry()]);
  seeded = await seedPrimary(primary);
  before = await snapshot(primary, seeded.repositories);
  work = makeTempDir('backup-drill');
});

afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
});

interface Json {
  [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function cli(args: string[]): Promise<CliResult & { json: Json }> {
  const result = await runCli(
    [...args, '--output', 'json', '--results-dir', join(work, `results-${Date.now()}`)],
    { timeoutMs: 90_000 },
  );
  let json: Json = {};
  try {
    json = JSON.parse(result.stdout) as Json;
  } catch {
    // Left empty: the assertions on the exit code show stderr.
  }
  return { ...result, json };
}

const backupTo = (target: { host: string }, ...extra: string[]) =>
  cli([
    'backup',
    '--source-registry',
    primary.host,
    '--backup-registry',
    target.host,
    '--repository',
    'app/*',
    '--repository',
    'legacy/tool',
    ...extra,
  ]);

/** Requests that write (uploads, manifest and tag PUTs, mounts) outside the inventory repository. */
function contentWrites(lines: string[]): string[] {
  return lines
    .map(parseAccessLine)
    .filter(
      (e) =>
        e &&
        ['PUT', 'POST', 'PATCH', 'DELETE'].includes(e.method) &&
        !e.target.startsWith(`/v2/${INVENTORY_REPO}/`),
    )
    .map((e) => `${e?.method} ${e?.target}`);
}

const tagCount = (s: Snapshot) => Object.values(s).reduce((n, tags) => n + Object.keys(tags).length, 0);

describe('backup and restore: a disaster-recovery drill on two real registries', () => {
  test('the seeded primary holds ordinary tags and the referrers fallback tags of the signature and the SBOM', () => {
    expect(Object.keys(before['app/multi'] ?? {})).toEqual(
      expect.arrayContaining(['2.0.0', seeded.signature.fallbackTag, seeded.sbom.fallbackTag]),
    );
    expect(before['app/web']).toMatchObject({
      prod: expect.any(String),
      latest: before['app/web']?.['1.1.0'],
    });
  });

  test('--dry-run says what a backup would copy and writes nothing at all', async () => {
    const mark = (await backup.settledAccessLog()).length;
    const run = await backupTo(backup, '--dry-run');
    expect(run).toExitWith(0);
    expect(run.json).toMatchObject({
      dryRun: true,
      inventory: { reference: null, tags: [], entries: tagCount(before) },
    });
    expect(run.json.copied.manifestsCopied).toBeGreaterThan(0);
    expect(run.json.copied.blobsCopied).toBeGreaterThan(0);
    const lines = (await backup.settledAccessLog()).slice(mark);
    expect(lines.map(parseAccessLine).filter((e) => e && e.method !== 'GET' && e.method !== 'HEAD')).toEqual(
      [],
    );
  });

  test('a full backup copies every tag by digest, the index with its children, the referrers, and records an inventory', async () => {
    const file = join(work, 'inventory.json');
    const run = await backupTo(backup, '--inventory-file', file);
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(0);
    expect(await snapshot(backup, seeded.repositories)).toEqual(before);
    for (const [repo, tags] of Object.entries(before)) {
      for (const digest of new Set(Object.values(tags)))
        expect(await pullAll(backup, repo, digest)).toBeGreaterThan(0);
    }
    // The layer app/web and app/api share crossed once and was mounted into the other repository.
    expect(run.json.copied.blobsMounted).toBeGreaterThanOrEqual(1);
    expect(run.json.inventory).toMatchObject({
      complete: true,
      entries: tagCount(before),
      tags: [expect.stringMatching(/^\d{8}T\d{6}Z$/), 'latest'],
    });

    const inventory = parseInventory(readFileSync(file, 'utf8'), file);
    expect(inventory.entries).toHaveLength(tagCount(before));
    for (const e of inventory.entries) {
      expect(e.digest).toBe(before[e.repository]?.[e.tag]);
      expect(e.backupRepository).toBe(e.repository);
      expect(e.size).toBeGreaterThan(0);
      expect(Date.parse(e.time)).not.toBeNaN();
    }
    const index = inventory.entries.find((e) => e.repository === 'app/multi' && e.tag === '2.0.0');
    expect(index?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    // The same inventory is an artifact in the backup registry, under the run's timestamp and latest.
    const stored = await createSeeder(backup).getManifest(INVENTORY_REPO, 'latest');
    expect(`${INVENTORY_REPO}@${stored?.digest}`).toBe(
      run.json.inventory.reference.split('/').slice(1).join('/'),
    );
  });

  test('a second backup copies nothing new: only HEADs, tag lists and the new inventory', async () => {
    const mark = (await backup.settledAccessLog()).length;
    const run = await backupTo(backup);
    expect(run).toExitWith(0);
    const lines = (await backup.settledAccessLog()).slice(mark);
    expect(contentWrites(lines)).toEqual([]);
    expect(run.json.copied).toMatchObject({
      manifestsCopied: 0,
      blobsCopied: 0,
      blobsMounted: 0,
      bytesCopied: 0,
    });
    expect(run.json.repositories.every((r: Json) => r.unchanged === r.tags)).toBe(true);
    const primaryRequests = lines.length;
    process.stdout.write(
      `[backup drill] incremental run over ${tagCount(before)} tags: ${run.json.requests} client requests, ` +
        `${primaryRequests} requests in the backup registry's access log\n`,
    );
    // Per tag a HEAD on each side, plus per repository the tag lists: far below a full walk.
    expect(run.json.requests).toBeLessThan(tagCount(before) * 2 + seeded.repositories.length * 2 + 20);
  });

  test('--verify finds every entry of the latest inventory pullable by its digest', async () => {
    const run = await cli(['backup', '--verify', '--backup-registry', backup.host]);
    expect(run).toExitWith(0);
    expect(run.json).toMatchObject({ mode: 'verify', ok: true, problems: [], entries: tagCount(before) });
    expect(run.json.blobsChecked).toBeGreaterThan(5);
  });

  test('an interrupted backup, run again, completes and skips what the first run copied', async () => {
    const target = await registry();
    let manifestPuts = 0;
    const proxy = await startFaultProxy({
      target: target.url,
      plan: {
        script: (req) => {
          if (req.method === 'PUT' && req.path.includes('/manifests/')) manifestPuts++;
          return manifestPuts > 3 ? 'persistent503' : undefined;
        },
      },
    });
    try {
      const cut = await backupTo(proxy);
      expect(cut).toExitWith(3);
      expect(cut.stderr).toMatch(/503|unavailable/i);
      const partial = await snapshot(target, seeded.repositories);
      expect(tagCount(partial)).toBeLessThan(tagCount(before));

      proxy.setPlan(undefined);
      const resumed = await backupTo(proxy);
      expect(resumed).toExitWith(0);
      expect(await snapshot(target, seeded.repositories)).toEqual(before);
      for (const [repo, tags] of Object.entries(before)) {
        for (const digest of new Set(Object.values(tags))) await pullAll(target, repo, digest);
      }
      // What the cut run stored is not sent again.
      expect(resumed.json.copied.manifestsPresent + resumed.json.copied.blobsPresent).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
  });

  describe('after the primary is lost', () => {
    let rebuilt: TestRegistry;
    beforeAll(async () => {
      await primary.stop();
      registries.splice(registries.indexOf(primary), 1);
      rebuilt = await registry();
    });

    test('restore into a new empty registry gives every tag its digest back, every blob pullable, referrers findable', async () => {
      const run = await cli(['restore', '--backup-registry', backup.host, '--target-registry', rebuilt.host]);
      expect(run.stderr).not.toMatch(/ERROR/);
      expect(run).toExitWith(0);
      expect(run.json.conflicts).toEqual([]);
      expect(await snapshot(rebuilt, seeded.repositories)).toEqual(before);
      for (const [repo, tags] of Object.entries(before)) {
        for (const digest of new Set(Object.values(tags)))
          expect(await pullAll(rebuilt, repo, digest)).toBeGreaterThan(0);
      }
      const checked = await cli([
        'restore',
        '--verify',
        '--backup-registry',
        backup.host,
        '--target-registry',
        rebuilt.host,
      ]);
      expect(checked).toExitWith(0);
      expect(checked.json).toMatchObject({
        mode: 'verify',
        ok: true,
        entries: tagCount(before),
        problems: [],
      });
      const client = new RegistryClient();
      try {
        const multi = parseReference(`${rebuilt.host}/app/multi`);
        expect(
          (await client.referrers(multi, seeded.index.digest)).map((d) => [d.digest, d.artifactType]),
        ).toEqual([[seeded.signature.digest, SIGNATURE_TYPE]]);
        expect((await client.referrers(multi, seeded.sbom.subject)).map((d) => d.digest)).toEqual([
          seeded.sbom.digest,
        ]);
      } finally {
        await client.close();
      }
    });

    test('restore leaves a tag that points elsewhere alone and reports it, unless --force true', async () => {
      const other = await createSeeder(rebuilt).pushImage({
        repo: 'app/web',
        tag: 'prod',
        layers: [Buffer.from('not a tar, just other bytes')],
      });
      const refused = await cli([
        'restore',
        '--backup-registry',
        backup.host,
        '--target-registry',
        rebuilt.host,
        '--repository',
        'app/web',
      ]);
      expect(refused).toExitWith(1);
      expect(refused.json.conflicts).toEqual([
        { repository: 'app/web', tag: 'prod', digest: before['app/web']?.prod, targetDigest: other.digest },
      ]);
      expect(refused.stdout).toContain('"outcome": "unchanged"');
      expect((await createSeeder(rebuilt).getManifest('app/web', 'prod'))?.digest).toBe(other.digest);
      const checked = await cli([
        'restore',
        '--verify',
        '--backup-registry',
        backup.host,
        '--target-registry',
        rebuilt.host,
        '--repository',
        'app/web',
      ]);
      expect(checked).toExitWith(1);
      expect(checked.json.problems).toEqual([
        {
          repository: 'app/web',
          tag: 'prod',
          digest: before['app/web']?.prod,
          problem: `the tag points at ${other.digest}`,
        },
      ]);

      const forced = await cli([
        'restore',
        '--backup-registry',
        backup.host,
        '--target-registry',
        rebuilt.host,
        '--repository',
        'app/web',
        '--force',
        'true',
      ]);
      expect(forced).toExitWith(0);
      expect(forced.json.tags.filter((t: Json) => t.outcome === 'updated')).toEqual([
        {
          repository: 'app/web',
          tag: 'prod',
          digest: before['app/web']?.prod,
          outcome: 'updated',
          previousDigest: other.digest,
        },
      ]);
      expect((await createSeeder(rebuilt).getManifest('app/web', 'prod'))?.digest).toBe(
        before['app/web']?.prod,
      );
    });

    test('restore of chosen tags from the inventory file brings the referrers tags of what it restores, and only those', async () => {
      const fresh = await registry();
      const run = await cli([
        'restore',
        '--backup-registry',
        backup.host,
        '--target-registry',
        fresh.host,
        '--inventory-file',
        join(work, 'inventory.json'),
        '--repository',
        'app/multi app/web',
        '--tag',
        '2.0.0,1.1.0',
      ]);
      expect(run).toExitWith(0);
      const restored = await snapshot(fresh, ['app/multi', 'app/web']);
      expect(restored['app/multi']).toEqual(before['app/multi']);
      // prod is a production tag for backups, not for restores: --tag decides here.
      expect(restored['app/web']).toEqual({ '1.1.0': before['app/web']?.['1.1.0'] });
    });
  });

  test('--verify reports an entry whose manifest is gone from the backup, and exits 1', async () => {
    const legacy = before['legacy/tool']?.v7 as string;
    const removed = await createSeeder(backup).http.request('DELETE', `/v2/legacy/tool/manifests/${legacy}`);
    expect(removed.status).toBe(202);
    const run = await cli(['backup', '--verify', '--backup-registry', backup.host]);
    expect(run).toExitWith(1);
    expect(run.json.problems).toEqual([
      {
        repository: 'legacy/tool',
        tag: 'v7',
        digest: legacy,
        problem: expect.stringMatching(/manifest|unknown|not found/i),
      },
    ]);
  });
});
