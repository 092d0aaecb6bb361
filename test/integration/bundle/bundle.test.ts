import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { load, loadAll } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { step } from '../../../steps/bundle/main.js';
import { parseReference, RegistryClient, type ImageManifest } from '../../../steps/lib/oci/index.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { runCommand } from '../../helpers/command.js';
import { goTool } from '../../helpers/go-tool.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

interface Published {
  kind: string;
  name: string;
  file: string;
  reference: string;
  digest: string;
}

type Resource = Record<string, unknown> & { spec?: { tasks?: PipelineTask[]; finally?: PipelineTask[] } };
interface PipelineTask {
  name: string;
  taskRef?: { name?: string; resolver?: string; params?: { name: string; value: string }[] };
}

let registry: TestRegistry;
let client: RegistryClient;
let resolver: string;
const work = makeTempDir('bundle-test');

beforeAll(async () => {
  // Tekton's resolver is a Go program built once (minutes from an empty Go cache, then cached in .cache/).
  [registry, resolver] = await Promise.all([
    startRegistry(),
    goTool(join(REPO_ROOT, 'test', 'tekton', 'bundle-resolve')),
  ]);
  client = new RegistryClient({});
}, 20 * 60_000);

afterAll(async () => {
  await client?.close();
  await registry?.stop();
});

const inRepo = (p: string) => join(REPO_ROOT, p);

async function publish(prefix: string, extra: string[] = []): Promise<Published[]> {
  const run = await runStepInProcess(step, [
    '--prefix',
    prefix,
    '--path',
    inRepo('tasks'),
    '--path',
    inRepo('pipelines'),
    '--output',
    'json',
    ...extra,
  ]);
  expect(run.stderr).not.toMatch(/error/i);
  expect(run).toExitWith(0);
  return JSON.parse(run.stdout) as Published[];
}

/** The resource exactly as written in its file (the one document of that kind and name). */
function original(p: Published): Resource {
  const docs = loadAll(readFileSync(join(REPO_ROOT, p.file), 'utf8')) as Resource[];
  const found = docs.find((d) => d?.kind === p.kind && (d.metadata as { name?: string }).name === p.name);
  if (!found) throw new Error(`${p.kind}/${p.name} not in ${p.file}`);
  return found;
}

/** Reads the layer back with GNU tar, an implementation independent of ours: one file, the resource's YAML. */
async function layerResource(
  p: Published,
): Promise<{ manifest: ImageManifest; resource: Resource; entries: string[] }> {
  const ref = parseReference(p.reference);
  const { manifest } = await client.getManifest(ref);
  const image = manifest as ImageManifest;
  const layer = image.layers[0];
  if (!layer) throw new Error(`${p.reference} has no layer`);
  const tarFile = join(work, `${p.kind}-${p.name}.tar`);
  writeFileSync(tarFile, gunzipSync(await client.getBlob(ref, layer.digest)));
  const { stdout: listing } = await runCommand('tar', ['-tf', tarFile]);
  const { stdout: content } = await runCommand('tar', ['-xOf', tarFile]);
  return { manifest: image, resource: load(content) as Resource, entries: listing.trim().split('\n') };
}

/** Resolves through Tekton's own bundles resolver code, the way a cluster would. */
async function resolveWithTekton(
  reference: string,
  kind: string,
  name: string,
): Promise<{ resource: Resource; annotations: Record<string, string> }> {
  const { stdout } = await runCommand(resolver, [reference, kind, name]);
  const out = JSON.parse(stdout) as { data: string; annotations: Record<string, string> };
  return { resource: load(out.data) as Resource, annotations: out.annotations };
}

describe('image-lifecycle bundle on a real registry', () => {
  let published: Published[];
  beforeAll(async () => {
    published = await publish(`${registry.host}/lib`);
  }, 120_000);

  test('publishes every Task and Pipeline of the library, one image each', () => {
    const tasks = published.filter((p) => p.kind === 'Task');
    const pipelines = published.filter((p) => p.kind === 'Pipeline');
    expect(tasks.length).toBeGreaterThan(5);
    expect(pipelines.length).toBeGreaterThan(0);
    for (const p of published) {
      expect(p.reference).toBe(`${registry.host}/lib/${p.kind.toLowerCase()}s/${p.name}:0.1.0@${p.digest}`);
    }
  });

  test('each image has one gzip tar layer with the bundle annotations, holding one file: the Task as written', async () => {
    for (const p of published.filter((b) => b.kind === 'Task')) {
      const { manifest, resource, entries } = await layerResource(p);
      expect(manifest.layers).toHaveLength(1);
      expect(manifest.layers[0]).toMatchObject({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        annotations: {
          'dev.tekton.image.apiVersion': 'tekton.dev/v1',
          'dev.tekton.image.kind': 'task',
          'dev.tekton.image.name': p.name,
        },
      });
      expect(entries).toEqual([`${p.name}.yaml`]);
      expect(resource).toEqual(original(p));
    }
  });

  test("Tekton's bundles resolver reads every bundle back as the resource, with its annotations", async () => {
    for (const p of published) {
      const kind = p.kind.toLowerCase();
      const { resource, annotations } = await resolveWithTekton(p.reference, kind, p.name);
      // The resolver hands the layer's annotations on to the controller under its own prefix.
      expect(annotations).toEqual({
        'resolution.tekton.dev/dev.tekton.image.apiVersion': 'tekton.dev/v1',
        'resolution.tekton.dev/dev.tekton.image.kind': kind,
        'resolution.tekton.dev/dev.tekton.image.name': p.name,
      });
      expect(resource.kind).toBe(p.kind);
      if (p.kind === 'Task') expect(resource).toEqual(original(p));
    }
  });

  test("a Pipeline's bundle names its tasks' bundles by digest, and is otherwise the Pipeline as written", async () => {
    const byName = new Map(published.filter((b) => b.kind === 'Task').map((b) => [b.name, b.reference]));
    for (const p of published.filter((b) => b.kind === 'Pipeline')) {
      const { resource } = await layerResource(p);
      const written = original(p);
      const tasks = [...(resource.spec?.tasks ?? []), ...(resource.spec?.finally ?? [])];
      const writtenTasks = [...(written.spec?.tasks ?? []), ...(written.spec?.finally ?? [])];
      expect(tasks.map((t) => t.name)).toEqual(writtenTasks.map((t) => t.name));
      writtenTasks.forEach((w, i) => {
        const got = tasks[i] as PipelineTask;
        if (w.taskRef?.name && !w.taskRef.resolver) {
          expect(got.taskRef).toEqual({
            resolver: 'bundles',
            params: [
              { name: 'bundle', value: byName.get(w.taskRef.name) },
              { name: 'name', value: w.taskRef.name },
              { name: 'kind', value: 'task' },
            ],
          });
        } else {
          expect(got.taskRef).toEqual(w.taskRef);
        }
        expect({ ...got, taskRef: undefined }).toEqual({ ...w, taskRef: undefined });
      });
      expect({ ...resource, spec: { ...resource.spec, tasks: [], finally: [] } }).toEqual({
        ...written,
        spec: { ...written.spec, tasks: [], finally: [] },
      });
    }
  });

  test('the images are reproducible: --dry-run names exactly the digests that were pushed', async () => {
    const dry = await runStepInProcess(step, [
      '--prefix',
      `${registry.host}/lib`,
      '--path',
      inRepo('tasks'),
      '--path',
      inRepo('pipelines'),
      '--output',
      'json',
      '--dry-run',
    ]);
    expect(dry).toExitWith(0);
    expect(JSON.parse(dry.stdout)).toEqual(published);
  });

  test('--task-refs keep publishes each Pipeline exactly as written', async () => {
    const kept = await publish(`${registry.host}/kept`, ['--task-refs', 'keep', '--tag', '9.9.9']);
    for (const p of kept.filter((b) => b.kind === 'Pipeline')) {
      expect(p.reference).toContain(`/kept/pipelines/${p.name}:9.9.9@`);
      expect((await layerResource(p)).resource).toEqual(original(p));
    }
  });
});

describe('image-lifecycle bundle: bad input', () => {
  test('a prefix with a tag is one line naming the input, exit 2, nothing pushed', async () => {
    const run = await runStepInProcess(step, ['--prefix', '127.0.0.1:1/lib:v1', '--path', inRepo('tasks')]);
    expect(run).toExitWith(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('invalid repository "127.0.0.1:1/lib:v1"');
  });

  test('a Pipeline naming a Task that is not published is refused before anything is pushed', async () => {
    const dir = makeTempDir('bundle-orphan');
    writeFileSync(
      join(dir, 'p.yaml'),
      'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: orphan\n  labels:\n    app.kubernetes.io/version: "1.0.0"\nspec:\n  tasks:\n    - name: a\n      taskRef:\n        name: nowhere\n',
    );
    const run = await runStepInProcess(step, ['--prefix', '127.0.0.1:1/lib', '--path', dir]);
    expect(run).toExitWith(2);
    expect(run.stderr).toContain(
      'Pipeline orphan task a refers to Task nowhere, which is not among the bundles published',
    );
  });
});
