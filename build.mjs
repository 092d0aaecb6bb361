// Bundles the CLI with esbuild. Default: dist/image-lifecycle.mjs with one lazily loaded chunk per step.
// `--step NAME`: the bundle of that step's image, dist/step/: image-lifecycle.mjs and the chunks it loads
// lazily (undici, the Kubernetes client), so `--help` and input checks neither run nor even parse them.
// `--outdir DIR`: build under DIR instead of dist (tests and benchmarks build their own copy).
import { build } from 'esbuild';
import { parseArgs } from 'node:util';
import { writeFileSync, mkdirSync, rmSync } from 'node:fs';

const { values } = parseArgs({
  options: { step: { type: 'string' }, metafile: { type: 'boolean' }, outdir: { type: 'string' } },
});
const outdir = values.outdir ?? 'dist';

// undici loads node:http2 when its client module is evaluated, and falls back to "no HTTP/2" when that fails.
// The steps never enable HTTP/2 (allowH2 is off), so the bundle takes the fallback and skips loading http2
// (about 15 ms of every run's start here).
const withoutHttp2 = {
  name: 'without-http2',
  setup(b) {
    b.onResolve({ filter: /^node:http2$/ }, (args) =>
      /[\\/]undici[\\/]/.test(args.importer) ? { path: 'http2', namespace: 'without-http2' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'without-http2' }, () => ({
      contents: "throw new Error('node:http2 is left out of this bundle');",
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [withoutHttp2],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
};

if (values.step) {
  if (!/^[a-z][a-z0-9-]*$/.test(values.step)) throw new Error(`invalid step name ${values.step}`);
  const dir = `${outdir}/step`;
  rmSync(dir, { recursive: true, force: true });
  const entry = {
    name: 'step-entry',
    setup(b) {
      b.onResolve({ filter: /^step-entry$/ }, () => ({ path: 'entry.ts', namespace: 'step-entry' }));
      b.onLoad({ filter: /.*/, namespace: 'step-entry' }, () => ({
        contents: `import { step } from './steps/${values.step}/main.ts';\nimport { runSingle } from './steps/single.ts';\nrunSingle(step);\n`,
        resolveDir: process.cwd(),
        loader: 'ts',
      }));
    },
  };
  const result = await build({
    ...common,
    // The image links this file onto PATH as `image-lifecycle`; the .mjs real path keeps it an ES module.
    banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
    entryPoints: { 'image-lifecycle': 'step-entry' },
    plugins: [entry, withoutHttp2],
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    metafile: values.metafile,
  });
  // Always there, if empty, so the Containerfile copies it whatever the step.
  mkdirSync(`${dir}/chunks`, { recursive: true });
  if (values.metafile) writeFileSync(`${dir}/meta.json`, JSON.stringify(result.metafile));
} else {
  // Chunk names carry content hashes: without this, every build would leave the previous ones behind.
  rmSync(`${outdir}/chunks`, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    ...common,
    entryPoints: { 'image-lifecycle': 'steps/cli.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
}
