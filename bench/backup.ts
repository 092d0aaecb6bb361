// Backup of a seeded registry: one `image-lifecycle backup` process against `skopeo sync --src docker --dest docker
// --all --preserve-digests` (one per repository, as sync takes one source repository), each into its own empty
// registry for a full copy, then again with nothing changed (incremental), then after a few new tags. Prints
// medians of RUNS runs and the requests each made, counted from the registries' access logs.
//
// Usage: node build.mjs && npx tsx bench/backup.ts   (RUNS=3 REPOS=12 TAGS=4 LAYER_MB=8 by default)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../test/helpers/registry.js';
import { createSeeder } from '../test/helpers/seed.js';
import { tarArchive } from '../test/helpers/tar.js';

const RUNS = Number(process.env.RUNS ?? 3);
const REPOS = Number(process.env.REPOS ?? 12);
const TAGS = Number(process.env.TAGS ?? 4);
const LAYER_MB = Number(process.env.LAYER_MB ?? 8);
const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'image-lifecycle.mjs');
const repositories = Array.from({ length: REPOS }, (_, i) => `bench/app${i}`);

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * Runs a command and returns its wall time. Asynchronously: the registries are children of this process and
 * write their access logs into its pipes, which must keep draining (spawnSync would stall them).
 */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        reject(
          new Error(
            `${command} ${args[0]} failed (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

async function requestsDuring(
  registries: TestRegistry[],
  fn: () => Promise<number>,
): Promise<{ ms: number; requests: number }> {
  const before = await Promise.all(registries.map(async (r) => (await r.settledAccessLog()).length));
  const ms = await fn();
  const after = await Promise.all(registries.map(async (r) => (await r.settledAccessLog()).length));
  return { ms, requests: after.reduce((sum, n, i) => sum + n - (before[i] ?? 0), 0) };
}

/**
 * REPOS repositories of TAGS images each; every image is a shared base layer (LAYER_MB of random bytes,
 * like an OS layer) plus its own 1 MiB application layer; the first repository's last tag is a two-platform index.
 */
async function seed(registry: TestRegistry): Promise<void> {
  const s = createSeeder(registry);
  const base = tarArchive({ 'usr/lib/base.bin': randomBytes(LAYER_MB * 1024 * 1024) });
  for (const repo of repositories) {
    for (let t = 0; t < TAGS; t++) {
      await s.pushImage({
        repo,
        tag: `1.${t}.0`,
        layers: [base, tarArchive({ 'app/bin': randomBytes(1024 * 1024) })],
      });
    }
  }
  await s.pushIndex({
    repo: repositories[0] as string,
    tag: 'multi',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
  });
}

async function newTags(registry: TestRegistry, round: number): Promise<void> {
  const s = createSeeder(registry);
  for (const repo of repositories.slice(0, 2)) {
    await s.pushImage({
      repo,
      tag: `2.${round}.0`,
      layers: [tarArchive({ 'app/bin': randomBytes(1024 * 1024) })],
    });
  }
}

async function main(): Promise<void> {
  if (!existsSync(bundle)) throw new Error('dist/image-lifecycle.mjs is missing: run `node build.mjs` first');
  const work = mkdtempSync(join(tmpdir(), 'bench-backup-'));
  const source = await startRegistry();
  const live: TestRegistry[] = [source];
  try {
    await seed(source);
    const ours = (target: TestRegistry) =>
      run(process.execPath, [
        bundle,
        'backup',
        '--source-registry',
        source.host,
        '--backup-registry',
        target.host,
        '--repository',
        'bench/*',
        '--results-dir',
        join(work, 'results'),
      ]);
    // A fresh cache directory per full run, so skopeo's blob-info cache (which it uses to mount) starts empty like ours.
    const skopeo = async (target: TestRegistry, cache: string) => {
      const env = {
        ...process.env,
        TMPDIR: work,
        HOME: cache,
        XDG_RUNTIME_DIR: cache,
        REGISTRY_AUTH_FILE: join(work, 'auth.json'),
      };
      let total = 0;
      for (const repo of repositories) {
        total += await run(
          'skopeo',
          [
            'sync',
            '--src',
            'docker',
            '--dest',
            'docker',
            '--src-tls-verify=false',
            '--dest-tls-verify=false',
            '--src-no-creds',
            '--dest-no-creds',
            '--all',
            '--preserve-digests',
            `${source.host}/${repo}`,
            `${target.host}/bench`,
          ],
          env,
        );
      }
      return total;
    };
    writeFileSync(join(work, 'auth.json'), '{"auths":{}}');

    const figures: Record<
      string,
      { ours: number[]; skopeo: number[]; oursRequests: number; skopeoRequests: number }
    > = {};
    const record = (name: string, tool: 'ours' | 'skopeo', r: { ms: number; requests: number }) => {
      figures[name] ??= { ours: [], skopeo: [], oursRequests: 0, skopeoRequests: 0 };
      figures[name][tool].push(r.ms);
      figures[name][`${tool}Requests`] = r.requests;
    };
    for (let i = 0; i < RUNS; i++) {
      const [a, b] = await Promise.all([startRegistry(), startRegistry()]);
      live.push(a, b);
      const cache = mkdtempSync(join(work, 'skopeo-cache-'));
      record('full', 'ours', await requestsDuring([source, a], () => ours(a)));
      record('full', 'skopeo', await requestsDuring([source, b], () => skopeo(b, cache)));
      record('incremental, nothing new', 'ours', await requestsDuring([source, a], () => ours(a)));
      record('incremental, nothing new', 'skopeo', await requestsDuring([source, b], () => skopeo(b, cache)));
      await newTags(source, i);
      record('incremental, 2 new tags', 'ours', await requestsDuring([source, a], () => ours(a)));
      record('incremental, 2 new tags', 'skopeo', await requestsDuring([source, b], () => skopeo(b, cache)));
      await Promise.all([a.stop(), b.stop()]);
      live.splice(live.indexOf(a), 1);
      live.splice(live.indexOf(b), 1);
    }
    const report = {
      runs: RUNS,
      repositories: REPOS,
      tagsPerRepository: TAGS,
      sharedLayerMiB: LAYER_MB,
      results: Object.fromEntries(
        Object.entries(figures).map(([name, f]) => [
          name,
          {
            oursMedianMs: Math.round(median(f.ours)),
            skopeoMedianMs: Math.round(median(f.skopeo)),
            speedup: Number((median(f.skopeo) / median(f.ours)).toFixed(1)),
            requests: { ours: f.oursRequests, skopeo: f.skopeoRequests },
          },
        ]),
      ),
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    await Promise.all(live.map((r) => r.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
