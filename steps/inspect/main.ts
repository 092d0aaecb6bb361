import { defineStep } from '../lib/tekton/step.js';

export const step = defineStep({
  name: 'inspect',
  summary: 'Resolve an image reference and describe it.',
  flags: { image: { type: 'string', description: 'Image reference', required: true, valueName: 'REF' } },
  results: ['IMAGE_DIGEST'],
  async run(ctx) {
    ctx.emit({ image: ctx.flags.image }, () => ctx.flags.image);
  },
});
