import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { GateError, UsageError } from '../lib/errors.js';
import { parseYamlDocuments, yamlFilesUnder } from '../lib/catalog/library.js';
import { imagesIn, pinnedReference, pinYamlText } from '../lib/catalog/pin.js';
import { mapLimit } from '../lib/concurrency.js';
import { clientFromFlags, parseReference, registryFlags, RegistryError } from '../lib/oci/index.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';
import { checkOutputDir } from '../lib/config/paths.js';

const DEFAULT_PATHS = ['tasks', 'pipelines', 'triggers', 'install'];

export const step = defineStep({
  name: 'pin-images',
  summary: 'Copy YAML with every container image pinned to the digest its tag has now (make release).',
  flags: {
    path: {
      type: 'string',
      multiple: true,
      description: `File or directory to copy, relative paths kept (repeatable; default ${DEFAULT_PATHS.join(', ')})`,
      valueName: 'PATH',
    },
    'output-dir': {
      type: 'string',
      required: true,
      description: 'Directory the pinned copy is written to',
      valueName: 'DIR',
    },
    ...dryRunFlag,
    ...registryFlags,
  },
  results: [],
  details: [
    'Pins each image: value and the default of each param a step uses as its image (image: $(params.X)), as',
    'repo:tag@sha256:..., in the text itself: comments and layout are kept. Every image is resolved before anything',
    'is written, so a missing image leaves no half-pinned copy. Images already pinned or built from variables stay.',
    'Exit codes: 0 written; 1 an image is not in its registry (push the images first); 2 bad input; 3 registry unreachable.',
  ].join('\n'),
  async run({ flags, log, emit }) {
    checkOutputDir(flags['output-dir'], '--output-dir');
    const paths = flags.path.length ? flags.path : DEFAULT_PATHS.filter((p) => existsSync(p));
    const output = resolve(flags['output-dir']);
    for (const p of paths) {
      const rel = relative(resolve(p), output);
      if (!rel.startsWith('..') && !rel.startsWith('/'))
        throw new UsageError(`--output-dir ${flags['output-dir']} must not be inside --path ${p}`);
    }
    // Each path is copied under its own name: --path tasks --output-dir dist/release gives dist/release/tasks.
    const files = paths.flatMap((p) =>
      yamlFilesUnder([p]).map((file) => ({
        file,
        target: join(output, basename(resolve(p)), relative(resolve(p), resolve(file))),
      })),
    );
    const texts = new Map(files.map(({ file }) => [file, readFileSync(file, 'utf8')]));
    const imagesByFile = new Map(
      files.map(({ file }) => [file, imagesIn(parseYamlDocuments(texts.get(file) ?? '', file))]),
    );
    const images = [...new Set([...imagesByFile.values()].flat())].sort();
    const pins = new Map<string, string>();
    const client = clientFromFlags(flags, log);
    try {
      await mapLimit(images, 4, async (image) => {
        const ref = parseReference(image);
        try {
          pins.set(image, pinnedReference(image, (await client.resolve(ref)).digest));
        } catch (err) {
          if (err instanceof RegistryError && err.notFound)
            throw new GateError(
              `image ${image} is not in its registry: build and push it before pinning (${err.message})`,
            );
          throw err;
        }
      });
    } finally {
      await client.close();
    }
    const rewritten = files.map(({ file, target }) => ({
      target,
      text: pinYamlText(texts.get(file) ?? '', file, pins),
    }));
    if (!flags['dry-run']) {
      mkdirSync(output, { recursive: true });
      for (const p of paths) cpSync(p, join(output, basename(resolve(p))), { recursive: true });
      for (const { target, text } of rewritten) writeFileSync(target, text);
    }
    const report = images.map((image) => ({
      image,
      pinned: pins.get(image) ?? image,
      files: files.filter(({ file }) => imagesByFile.get(file)?.includes(image)).map(({ file }) => file),
    }));
    log.info(
      `${flags['dry-run'] ? 'would pin' : 'pinned'} ${images.length} images in ${files.length} YAML files${flags['dry-run'] ? '' : ` under ${flags['output-dir']}`}`,
    );
    emit(report, () => report.map((r) => r.pinned).join('\n'));
  },
});
