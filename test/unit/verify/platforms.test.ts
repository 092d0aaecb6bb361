import { UsageError } from '../../../steps/lib/errors.js';
import type { Descriptor } from '../../../steps/lib/oci/types.js';
import {
  parsePlatform,
  platformMatches,
  runnableEntries,
  selectPlatforms,
} from '../../../steps/lib/verify/platforms.js';

const entry = (
  os: string,
  architecture: string,
  variant?: string,
  annotations?: Record<string, string>,
): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${os}${architecture}${variant ?? ''}`,
  size: 1,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
  ...(annotations ? { annotations } : {}),
});

describe('platforms', () => {
  test('parses os/architecture[/variant] and refuses anything else with the flag named', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    for (const bad of ['amd64', 'linux/', 'Linux/AMD64', 'linux/arm/v7/x']) {
      expect(() => parsePlatform(bad)).toThrow(UsageError);
    }
    expect(() => parsePlatform('amd64')).toThrow(
      '--platform "amd64" is not os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8',
    );
  });

  test('a variant is compared only when asked for, and arm64 without one is v8', () => {
    expect(
      platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    ).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64' })).toBe(
      true,
    );
    expect(
      platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v6' }),
    ).toBe(false);
    expect(platformMatches(parsePlatform('linux/amd64'), { os: 'windows', architecture: 'amd64' })).toBe(
      false,
    );
    expect(platformMatches(parsePlatform('linux/amd64'), undefined)).toBe(false);
  });

  test('attestation manifests are not runnable images', () => {
    const attestation = entry('unknown', 'unknown', undefined, {
      'vnd.docker.reference.type': 'attestation-manifest',
    });
    expect(runnableEntries([entry('linux', 'amd64'), attestation])).toEqual([entry('linux', 'amd64')]);
  });

  test('selects the wanted platforms, reports the missing ones, and selects all when none is wanted', () => {
    const index = [entry('linux', 'amd64'), entry('linux', 'arm64', 'v8'), entry('unknown', 'unknown')];
    expect(selectPlatforms(index, [parsePlatform('linux/arm64'), parsePlatform('linux/s390x')])).toEqual({
      selected: [index[1]],
      missing: [{ os: 'linux', architecture: 's390x' }],
      available: ['linux/amd64', 'linux/arm64/v8'],
    });
    expect(selectPlatforms(index, []).selected).toEqual(index.slice(0, 2));
  });
});
