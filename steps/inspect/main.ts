import { GateError } from '../lib/errors.js';
import { describeImage, type ImageDescription } from '../lib/image/describe.js';
import { parsePlatform } from '../lib/verify/platforms.js';
import { clientFromFlags, parseReference, registryFlags, RegistryError } from '../lib/oci/index.js';
import { defineStep } from '../lib/tekton/step.js';

export const step = defineStep({
  name: 'inspect',
  summary:
    'Resolve an image reference and describe it: digest, media type, size, platforms, created date, labels.',
  flags: {
    image: {
      type: 'string',
      description: 'Image reference, e.g. quay.io/org/app:1.2.3',
      required: true,
      valueName: 'REF',
    },
    platform: {
      type: 'string',
      description: "For an index: describe this platform's image (os/arch[/variant])",
      valueName: 'PLATFORM',
    },
    'sibling-tags': { type: 'boolean', description: 'Also list the tags that point at the same digest' },
    ...registryFlags,
  },
  results: ['IMAGE_DIGEST', 'IMAGE_URL', 'MEDIA_TYPE', 'PLATFORMS'],
  details:
    'Exit codes: 0 found; 1 the image is not there or access was denied; 2 bad input; 3 registry unreachable.',
  async run({ flags, log, results, emit }) {
    const ref = parseReference(flags.image);
    const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
    const client = clientFromFlags(flags, log);
    let description: ImageDescription;
    try {
      description = await describeImage(client, ref, { platform, siblingTags: flags['sibling-tags'] });
    } catch (err) {
      if (err instanceof RegistryError && err.notFound)
        throw new GateError(`image ${ref} not found: ${err.message}`);
      throw err;
    } finally {
      await client.close();
    }
    results
      .set('IMAGE_DIGEST', description.digest)
      .set('IMAGE_URL', ref.toString())
      .set('MEDIA_TYPE', description.mediaType)
      .set('PLATFORMS', description.platforms.join(','));
    emit(description, () => renderText(description));
  },
});

function renderText(d: ImageDescription): string {
  const lines = [
    `image:      ${d.reference}`,
    `digest:     ${d.digest}`,
    `media type: ${d.mediaType}`,
    `size:       ${d.size} bytes (manifest)`,
    `platforms:  ${d.platforms.join(', ') || 'unknown'}`,
    `created:    ${d.created ?? 'unknown'}`,
    `layers:     ${d.layers}`,
  ];
  const labels = Object.entries(d.labels);
  if (labels.length) lines.push('labels:', ...labels.map(([k, v]) => `  ${k}=${v}`));
  if (d.siblingTags) lines.push(`tags on this digest: ${d.siblingTags.join(', ') || 'none'}`);
  return lines.join('\n');
}
