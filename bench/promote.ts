// Promotion by digest: one `image-lifecycle tag` process moving 100 tags, against 100 `skopeo copy` runs
// (docker://repo@digest → docker://repo:tag) on the same local registry. Prints medians of RUNS runs and
// the registry requests each makes per promoted tag, counted from the registry's access log.
//
// Usage: node build.mjs && npx tsx bench/promote.ts   (RUNS=5 TAGS=100 by default)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { parseAccessLine } from '../test/helpers/access-log.js';
import { startRegistry, type TestRegistry } from '../test/helpers/registry.js';
import { createSeeder } from '../test/helpers/seed.js';
import { tarArchive } from '../test/helpers/tar.js';

const RUNS = Number(process.env.RUNS ?? 5);
const TAGS = Number(process.env.TAGS ?? 100);
const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'image-lifecycle.mjs');

/**
 * Wall time of one process, in ms. Asynchronous on purpose: the registry's log pipe is drained by this
 * process's event loop, and a blocking spawn would leave the registry stuck on a full pipe.
 */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0)
        reject(
          new Error(
            `${command} ${args[0]} failed (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
      else resolvePromise(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

/**
 * What the registry itself allows: the same tags moved by bare manifest PUTs from one in-process pool (no
 * HEADs, no process start), at a given concurrency. No client that must PUT every tag can beat it.
 */
async function registryFloor(
  registry: TestRegistry,
  manifest: { body: Buffer; mediaType: string },
  tags: string[],
  concurrency: number,
): Promise<number> {
  const pool = new Pool(registry.url, { connections: concurrency });
  try {
    const started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let tag = tags[next++]; tag !== undefined; tag = tags[next++]) {
          const res = await pool.request({
            method: 'PUT',
            path: `/v2/bench/app/manifests/${tag}`,
            headers: { 'content-type': manifest.mediaType },
            body: manifest.body,
          });
          await res.body.dump();
          if (res.statusCode !== 201)
            throw new Error(`registry floor: PUT ${tag} answered ${res.statusCode}`);
        }
      }),
    );
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await pool.close();
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function requestsDuring(registry: TestRegistry, fn: () => Promise<unknown>): Promise<number> {
  const before = (await registry.settledAccessLog()).length;
  await fn();
  return (await registry.settledAccessLog()).slice(before).filter((l) => parseAccessLine(l)).length;
}

async function main(): Promise<void> {
  if (!existsSync(bundle)) throw new Error('dist/image-lifecycle.mjs is missing: run `node build.mjs` first');
  const registry = await startRegistry({ auth: 'none' });
  const work = mkdtempSync(join(tmpdir(), 'bench-promote-'));
  try {
    const seeder = createSeeder(registry);
    const images = await Promise.all(
      ['a', 'b'].map((n) =>
        seeder.pushImage({ repo: 'bench/app', layers: [tarArchive({ [`etc/${n}`]: n.repeat(4096) })] }),
      ),
    );
    const digests = images.map((i) => i.digest) as [string, string];
    const tags = Array.from({ length: TAGS }, (_, i) => `t${i}`);
    const skopeoEnv = { ...process.env, TMPDIR: work, REGISTRY_AUTH_FILE: join(work, 'auth.json') };
    writeFileSync(join(work, 'auth.json'), '{"auths":{}}');

    const ours = (digest: string, list: string[]) =>
      run(process.execPath, [
        bundle,
        'tag',
        '--image',
        `${registry.host}/bench/app@${digest}`,
        '--tags',
        list.join(','),
        '--results-dir',
        join(work, 'results'),
      ]);
    const skopeo = (digest: string, tag: string) =>
      run(
        'skopeo',
        [
          'copy',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          '--src-no-creds',
          '--dest-no-creds',
          `docker://${registry.host}/bench/app@${digest}`,
          `docker://${registry.host}/bench/app:${tag}`,
        ],
        skopeoEnv,
      );

    // Every run moves every tag: ours to image a, then skopeo back to image b.
    await ours(digests[1], tags);
    const batch: number[] = [];
    const loop: number[] = [];
    let batchRequests = 0;
    let loopRequests = 0;
    for (let i = 0; i < RUNS; i++) {
      batchRequests = await requestsDuring(registry, async () => batch.push(await ours(digests[0], tags)));
      loopRequests = await requestsDuring(registry, async () => {
        let total = 0;
        for (const t of tags) total += await skopeo(digests[1], t);
        loop.push(total);
      });
    }
    const singleOurs: number[] = [];
    const singleSkopeo: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      singleOurs.push(await ours(digests[0], ['single']));
      singleSkopeo.push(await skopeo(digests[1], 'single'));
    }
    // Alternating between the two images, so that every PUT moves every tag as the runs above do.
    const manifests = await Promise.all(digests.map((d) => seeder.getManifest('bench/app', d)));
    const floor: Record<string, number> = {};
    for (const concurrency of [1, 8, 32]) {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++)
        times.push(await registryFloor(registry, manifests[i % 2]!, tags, concurrency));
      floor[`concurrency${concurrency}`] = Math.round(median(times));
    }
    const report = {
      runs: RUNS,
      tags: TAGS,
      batchMedianMs: Math.round(median(batch)),
      skopeoLoopMedianMs: Math.round(median(loop)),
      speedup: Number((median(loop) / median(batch)).toFixed(1)),
      requestsPerTag: {
        ours: Number((batchRequests / TAGS).toFixed(2)),
        skopeo: Number((loopRequests / TAGS).toFixed(2)),
      },
      registryFloorMedianMs: floor,
      singlePromotionMedianMs: {
        ours: Math.round(median(singleOurs)),
        skopeo: Math.round(median(singleSkopeo)),
      },
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/promote: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
