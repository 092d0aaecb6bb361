import { BASE_DIGEST, BASE_NAME, freshness, recordedBase } from '../../../steps/lib/base-image/freshness.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };
const index = {
  digest: d('a'),
  children: [
    { digest: d('1'), platform: amd64 },
    { digest: d('2'), platform: { ...arm64, variant: 'v8' } },
  ],
};

describe('freshness', () => {
  test('a single-manifest base is fresh only at the recorded digest', () => {
    expect(freshness(d('b'), { digest: d('b') }, amd64)).toEqual({ fresh: true, currentDigest: d('b') });
    expect(freshness(d('b'), { digest: d('c') }, amd64)).toEqual({ fresh: false, currentDigest: d('c') });
  });
  test('an index base is fresh when the record is the index digest or the child for the image platform', () => {
    expect(freshness(index.digest, index, amd64)).toMatchObject({
      fresh: true,
      currentPlatformDigest: d('1'),
    });
    expect(freshness(d('1'), index, amd64)).toMatchObject({
      fresh: true,
      currentDigest: index.digest,
      currentPlatformDigest: d('1'),
    });
    // arm64 without a variant matches the v8 child.
    expect(freshness(d('2'), index, arm64)).toMatchObject({ fresh: true, currentPlatformDigest: d('2') });
  });
  test("another platform's child is not fresh for this image", () => {
    expect(freshness(d('2'), index, amd64)).toMatchObject({ fresh: false, currentPlatformDigest: d('1') });
  });
  test('an image of unknown platform is fresh against any child', () => {
    expect(freshness(d('2'), index, undefined)).toMatchObject({ fresh: true });
    expect(freshness(d('9'), index, undefined)).toEqual({ fresh: false, currentDigest: index.digest });
  });
  test('a moved index makes both kinds of record stale and names the new platform child', () => {
    const moved = { digest: d('f'), children: [{ digest: d('3'), platform: amd64 }] };
    expect(freshness(index.digest, moved, amd64)).toEqual({
      fresh: false,
      currentDigest: d('f'),
      currentPlatformDigest: d('3'),
    });
    expect(freshness(d('1'), moved, amd64)).toEqual({
      fresh: false,
      currentDigest: d('f'),
      currentPlatformDigest: d('3'),
    });
  });
});

describe('recordedBase', () => {
  const both = { [BASE_NAME]: 'r/b:1', [BASE_DIGEST]: d('b') };
  test('annotations win over labels', () => {
    expect(
      recordedBase([
        { source: 'annotations', values: both },
        { source: 'labels', values: { ...both, [BASE_DIGEST]: d('c') } },
      ]),
    ).toEqual({ name: 'r/b:1', digest: d('b'), source: 'annotations' });
  });
  test('a name without a digest is no record, and the next source is read', () => {
    expect(
      recordedBase([
        { source: 'annotations', values: { [BASE_NAME]: 'r/b:1' } },
        { source: 'labels', values: both },
      ]),
    ).toMatchObject({ source: 'labels' });
    expect(
      recordedBase([
        { source: 'annotations', values: { [BASE_DIGEST]: d('b') } },
        { source: 'labels', values: undefined },
      ]),
    ).toBeUndefined();
  });
});
