import {
  buildCommand,
  countCacheHits,
  pushCommand,
  type BuildSpec,
} from '../../../steps/lib/build/commands.js';
import { BUILD_ARG_NAME, metadataKeys, parsePairs } from '../../../steps/lib/build/metadata.js';
import { registriesConf } from '../../../steps/lib/build/registries-conf.js';
import { chooseDriver, storageArgs } from '../../../steps/lib/build/storage.js';
import { UsageError } from '../../../steps/lib/errors.js';

const spec: BuildSpec = {
  image: 'quay.io/org/app:1',
  containerfile: '/src/Containerfile',
  context: '/src',
  buildArgs: new Map([['A', '1; rm -rf /']]),
  layers: true,
  cacheFrom: 'quay.io/org/cache',
  cacheTo: 'quay.io/org/cache',
  cacheTtl: '24h',
  labels: { 'org.opencontainers.image.revision': 'abc' },
  annotations: { 'org.opencontainers.image.revision': 'abc' },
  format: 'oci',
  isolation: 'chroot',
  target: 'runtime',
  pullMissingOnly: true,
};

describe('buildah argument arrays', () => {
  test('build: every value is its own argument, buildah retries off, context last', () => {
    const args = buildCommand(spec);
    expect(args.slice(0, 3)).toEqual(['build', '--file', '/src/Containerfile']);
    expect(args).toEqual(expect.arrayContaining(['--layers', '--pull=false', '--retry']));
    expect(args[args.indexOf('--retry') + 1]).toBe('0');
    expect(args[args.indexOf('--cache-from') + 1]).toBe('quay.io/org/cache');
    expect(args[args.indexOf('--cache-ttl') + 1]).toBe('24h');
    expect(args[args.indexOf('--target') + 1]).toBe('runtime');
    expect(args[args.indexOf('--build-arg') + 1]).toBe('A=1; rm -rf /');
    expect(args[args.indexOf('--annotation') + 1]).toBe('org.opencontainers.image.revision=abc');
    expect(args[args.length - 1]).toBe('/src');
  });

  test('without cache, target or layers', () => {
    const args = buildCommand({
      ...spec,
      layers: false,
      cacheFrom: undefined,
      cacheTo: undefined,
      cacheTtl: undefined,
      target: undefined,
    });
    expect(args).toContain('--layers=false');
    expect(args.join(' ')).not.toMatch(/--cache-|--target/);
  });

  test('push writes the digest file and pushes to docker://', () => {
    expect(pushCommand({ ...spec, authFile: '/auth/config.json' }, '/tmp/d')).toEqual([
      'push',
      '--retry',
      '0',
      '--digestfile',
      '/tmp/d',
      '--authfile',
      '/auth/config.json',
      'quay.io/org/app:1',
      'docker://quay.io/org/app:1',
    ]);
  });

  test('cache hits are the "Using cache" lines', () => {
    const output = [
      'STEP 2/4: WORKDIR /src',
      '--> Using cache 9d9ab1fba3519ea734531797e1ad0b289887ddd0c02b73e73977b1002bd48cad',
      '--> 9d9ab1fba35',
      'STEP 3/4: RUN echo Using cache',
      '--> Using cache a3f2f9e8daaf221a80c3',
    ].join('\n');
    expect(countCacheHits(output)).toBe(2);
  });
});

describe('storage driver', () => {
  test.each([
    ['auto', { fuseDevice: true, fuseOverlayfs: '/usr/bin/fuse-overlayfs' }, 'overlay'],
    ['auto', { fuseDevice: false, fuseOverlayfs: '/usr/bin/fuse-overlayfs' }, 'vfs'],
    ['auto', { fuseDevice: true }, 'vfs'],
    ['vfs', { fuseDevice: true, fuseOverlayfs: '/usr/bin/fuse-overlayfs' }, 'vfs'],
  ] as const)('%s with %j → %s', (choice, env, driver) => expect(chooseDriver(choice, env)).toBe(driver));

  test('overlay goes through fuse-overlayfs', () => {
    expect(
      storageArgs(
        { driver: 'overlay', root: '/r' },
        { fuseDevice: true, fuseOverlayfs: '/usr/bin/fuse-overlayfs' },
      ),
    ).toEqual([
      '--storage-driver',
      'overlay',
      '--storage-opt',
      'overlay.mount_program=/usr/bin/fuse-overlayfs',
      '--root',
      '/r',
    ]);
  });
});

describe('registriesConf', () => {
  test('keeps the machine file and adds each insecure host once', () => {
    const base = 'unqualified-search-registries = ["registry.access.redhat.com"]\n';
    expect(registriesConf(base, ['127.0.0.1:5000', 'reg.local', '127.0.0.1:5000'])).toBe(
      `${base}\n[[registry]]\nlocation = "127.0.0.1:5000"\ninsecure = true\n\n[[registry]]\nlocation = "reg.local"\ninsecure = true\n`,
    );
  });
  test('a host the file already declares is left as declared', () => {
    expect(
      registriesConf('[[registry]]\nlocation = "reg.local"\ninsecure = false\n', ['reg.local']),
    ).not.toMatch(/insecure = true/);
  });
});

describe('metadata', () => {
  test('only the keys with values', () => {
    expect(
      metadataKeys({
        created: '2025-01-01T00:00:00Z',
        revision: 'abc',
        baseName: 'a.io/x:1',
        baseDigest: undefined,
      }),
    ).toEqual({
      'org.opencontainers.image.created': '2025-01-01T00:00:00Z',
      'org.opencontainers.image.revision': 'abc',
      'org.opencontainers.image.base.name': 'a.io/x:1',
    });
  });
  test('pairs keep = inside values and refuse a missing name', () => {
    expect(parsePairs(['A=b=c'], '--build-arg')).toEqual(new Map([['A', 'b=c']]));
    expect(() => parsePairs(['=x'], '--build-arg')).toThrow(UsageError);
    expect(() => parsePairs(['novalue'], '--label')).toThrow(/--label "novalue": expected NAME=VALUE/);
  });
  test('names are names: build arguments as an ARG declares them, labels and annotations reverse-DNS style', () => {
    expect(() => parsePairs(['$(id)=x'], '--build-arg', BUILD_ARG_NAME)).toThrow(
      /"\$\(id\)" is not a valid name/,
    );
    expect(() => parsePairs(['VERSION-1=x'], '--build-arg', BUILD_ARG_NAME)).toThrow(UsageError);
    expect(() => parsePairs(['bad key=x'], '--label')).toThrow(UsageError);
    expect(parsePairs(['io.k8s.display-name=App', 'com.example/team=a'], '--label').size).toBe(2);
  });
});
