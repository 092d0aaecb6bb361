// Bundles the CLI with esbuild. Default: dist/image-lifecycle.mjs with one lazily loaded chunk per step.
// `--step NAME`: one self-contained file for that step's image, dist/step/image-lifecycle.mjs.
import { build } from 'esbuild';
import { parseArgs } from 'node:util';
import { writeFileSync, mkdirSync } from 'node:fs';

const { values } = parseArgs({ options: { step: { type: 'string' }, metafile: { type: 'boolean' } } });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
};

if (values.step) {
  if (!/^[a-z][a-z0-9-]*$/.test(values.step)) throw new Error(`invalid step name ${values.step}`);
  const result = await build({
    ...common,
    // The image links this file onto PATH as `image-lifecycle`; the .mjs real path keeps it an ES module.
    banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
    stdin: {
      contents: `import { step } from './steps/${values.step}/main.ts';\nimport { runSingle } from './steps/single.ts';\nrunSingle(step);\n`,
      resolveDir: process.cwd(),
      sourcefile: 'entry.ts',
      loader: 'ts',
    },
    outfile: 'dist/step/image-lifecycle.mjs',
    metafile: values.metafile,
  });
  if (values.metafile) writeFileSync('dist/step/meta.json', JSON.stringify(result.metafile));
} else {
  mkdirSync('dist', { recursive: true });
  await build({
    ...common,
    entryPoints: { 'image-lifecycle': 'steps/cli.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
}
