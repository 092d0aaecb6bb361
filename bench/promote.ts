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
