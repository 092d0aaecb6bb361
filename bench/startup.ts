// Step images: the compressed size of each step's own layer (its one-file bundle, `node build.mjs --step X`,
// laid out as images/Containerfile copies it), of a Node runtime base assembled from this machine's node,
// and the cold start of `image-lifecycle <step> --help`: the step's bundle, the whole CLI bundle
// (dist/image-lifecycle.mjs with lazily loaded chunks) and the TypeScript sources through tsx.
// Medians of RUNS runs, by hyperfine when it is installed (apt install hyperfine), else by a spawn loop.
//
// Usage: npx tsx bench/startup.ts   (RUNS=10 by default; STEPS=a,b for some steps only). Bundles are built
// into a directory of its own, so dist/ is left as it is.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  cpSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { steps } from '../steps/registry.js';

const RUNS = Number(process.env.RUNS ?? 10);
const root = fileURLToPath(new URL('..', import.meta.url));
const names = process.env.STEPS ? process.env.STEPS.split(',') : Object.keys(steps);
const work = mkdtempSync(join(tmpdir(), 'bench-startup-'));
const hasHyperfine = spawnSync('hyperfine', ['--version']).status === 0;

/** A gzip-compressed tar of `dir`, as a registry stores a layer (gzip's default level, like buildah's). */
function layerBytes(dir: string): number {
  return gzipSync(
    execFileSync('tar', ['-C', dir, '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '.'], {
      maxBuffer: 1 << 30,
    }),
  ).length;
}

/** The step's own layer: what the Containerfile's last COPY adds (the bundle, its lazy chunks, the link). */
function stepLayer(name: string): { bundle: string; rawBytes: number; layerBytes: number } {
  const built = join(work, 'dist', 'step');
  execFileSync(process.execPath, ['build.mjs', '--step', name, '--outdir', join(work, 'dist')], {
    cwd: root,
    stdio: 'inherit',
  });
  const layer = join(work, 'layers', name);
  mkdirSync(join(layer, 'usr/local/bin'), { recursive: true });
  cpSync(built, join(layer, 'opt/image-lifecycle'), { recursive: true });
  const bundle = join(layer, 'opt/image-lifecycle/image-lifecycle.mjs');
  symlinkSync('/opt/image-lifecycle/image-lifecycle.mjs', join(layer, 'usr/local/bin/image-lifecycle'));
  const rawBytes = Number(
    execFileSync('du', ['-sb', join(layer, 'opt')], { encoding: 'utf8' }).split('\t')[0],
  );
  return { bundle, rawBytes, layerBytes: layerBytes(layer) };
}

/** node and the shared libraries it loads: the part of any Node base image the steps need. */
function nodeBase(): number {
  const base = join(work, 'base');
  const libraries = [
    ...execFileSync('ldd', [process.execPath], { encoding: 'utf8' }).matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g),
  ].map((m) => m[1] as string);
  for (const file of [process.execPath, ...libraries]) {
    const target = join(base, file);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(realpathSync(file), target);
  }
  return layerBytes(base);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median wall time in ms of a command, after two warm-up runs (page cache, not a warm process). */
function startMs(command: string[]): number {
  if (hasHyperfine) {
    const report = join(work, 'hyperfine.json');
    execFileSync(
      'hyperfine',
      [
        '--warmup',
        '2',
        '--runs',
        String(RUNS),
        '--export-json',
        report,
        '--style',
        'none',
        '-N',
        command.join(' '),
      ],
      { stdio: 'ignore' },
    );
    const { results } = JSON.parse(readFileSync(report, 'utf8')) as { results: Array<{ median: number }> };
    return Math.round(results[0]!.median * 1000);
  }
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(command[0]!, command.slice(1), { stdio: 'ignore' });
    if (run.status !== 0) throw new Error(`${command.join(' ')} exited ${run.status}`);
    if (i >= 2) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return Math.round(median(times));
}

try {
  execFileSync(process.execPath, ['build.mjs', '--outdir', join(work, 'cli')], {
    cwd: root,
    stdio: 'inherit',
  });
  const cli = join(work, 'cli/image-lifecycle.mjs');
  const perStep = names.map((name) => {
    const { bundle, rawBytes, layerBytes: layer } = stepLayer(name);
    return {
      step: name,
      bundleBytes: rawBytes,
      layerGzipBytes: layer,
      startBundledMs: startMs([process.execPath, bundle, name, '--help']),
      startCliBundleMs: startMs([process.execPath, cli, name, '--help']),
      startTsxMs: startMs([process.execPath, '--import', 'tsx', join(root, 'steps/cli.ts'), name, '--help']),
    };
  });
  const report = {
    machine: {
      cpus: execFileSync('nproc', { encoding: 'utf8' }).trim(),
      node: process.version,
      timer: hasHyperfine ? 'hyperfine' : 'spawn loop',
      runs: RUNS,
    },
    nodeBaseLayerGzipBytes: nodeBase(),
    targets: { layerGzipBytes: 2 * 1024 * 1024, startBundledMs: 150 },
    steps: perStep,
    medians: {
      layerGzipBytes: median(perStep.map((s) => s.layerGzipBytes)),
      startBundledMs: median(perStep.map((s) => s.startBundledMs)),
      startCliBundleMs: median(perStep.map((s) => s.startCliBundleMs)),
      startTsxMs: median(perStep.map((s) => s.startTsxMs)),
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
