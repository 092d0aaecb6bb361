import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  checkDescription,
  checkInterface,
  checkMetadata,
  checkPodSettings,
  checkTaskReadme,
  isPinnable,
  isRestricted,
  sections,
  yamlBlocks,
} from './catalog.js';
import { checkRun, interfaceOf } from './dag.js';
import { isObject, loadDocuments, type YamlObject } from './yaml-docs.js';

const root = path.resolve(__dirname, '..', '..');
const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string })
  .version;

function only(file: string, kind: string): YamlObject {
  const docs = loadDocuments(file)
    .map((d) => d.value)
    .filter(isObject);
  expect(docs.map((d) => d.kind)).toEqual([kind]);
  return docs[0] as YamlObject;
}

const taskNames = readdirSync(path.join(root, 'tasks'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const pipelineFiles = existsSync(path.join(root, 'pipelines'))
  ? readdirSync(path.join(root, 'pipelines'))
      .filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\./.test(f))
      .sort()
  : [];

describe('every Task follows the catalog conventions', () => {
  test.each(taskNames)('%s', (name) => {
    const dir = path.join(root, 'tasks', name);
    const file = path.join(dir, `${name}.yaml`);
    expect(existsSync(file)).toBe(true);
    const readmeFile = path.join(dir, 'README.md');
    const readme = existsSync(readmeFile) ? readFileSync(readmeFile, 'utf8') : '';
    const task = only(file, 'Task');
    expect({
      name: (task.metadata as YamlObject).name,
      readme: readme ? 'present' : 'missing',
      problems: [
        ...checkMetadata(task, version),
        ...checkInterface(task),
        ...checkPodSettings(task, readme),
        ...checkTaskReadme(task, readme),
      ],
    }).toEqual({ name, readme: 'present', problems: [] });
  });
});

describe('every Pipeline follows the catalog conventions', () => {
  const readme = existsSync(path.join(root, 'pipelines', 'README.md'))
    ? readFileSync(path.join(root, 'pipelines', 'README.md'), 'utf8')
    : '';
  const examples = yamlBlocks(readme).filter((d) => d.kind === 'PipelineRun');

  test('the library has pipelines', () => expect(pipelineFiles.length).toBeGreaterThan(0));

  test.each(pipelineFiles)('%s', (file) => {
    const pipeline = only(path.join(root, 'pipelines', file), 'Pipeline');
    const name = String((pipeline.metadata as YamlObject).name);
    const documented = [...sections(readme).keys()].some((h) => h.includes(`\`${name}\``));
    const example = examples.find(
      (e) => ((e.spec as YamlObject)?.pipelineRef as YamlObject | undefined)?.name === name,
    );
    expect({
      file: `${name}.yaml`,
      problems: [...checkMetadata(pipeline, version), ...checkInterface(pipeline)],
      readmeSection: documented,
      examplePipelineRun: example !== undefined,
    }).toEqual({ file, problems: [], readmeSection: true, examplePipelineRun: true });
    // The example runs as written: every required param given, every required workspace bound.
    expect(example ? checkRun(example, interfaceOf(pipeline), `README example of ${name}`) : []).toEqual([]);
  });
});

// The checks themselves: each rule catches what it is for.
describe('the convention checks', () => {
  const task = (extra: YamlObject = {}): YamlObject => ({
    apiVersion: 'tekton.dev/v1',
    kind: 'Task',
    metadata: {
      name: 't',
      labels: { 'app.kubernetes.io/version': version },
      annotations: {
        'tekton.dev/pipelines.minVersion': '0.56.0',
        'tekton.dev/categories': 'Image Build',
        'tekton.dev/tags': 'image, oci',
        'tekton.dev/displayName': 'T',
        'tekton.dev/platforms': 'linux/amd64,linux/arm64',
      },
    },
    spec: {
      description: 'Does one thing.\n\nAt length.',
      params: [{ name: 'IMAGE', type: 'string', description: 'The image.' }],
      results: [{ name: 'DIGEST', description: 'Its digest.' }],
      stepTemplate: {
        securityContext: {
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        computeResources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
      },
      steps: [{ name: 's', image: 'quay.io/x/y:1.0.0', command: ['image-lifecycle', 'inspect'] }],
      ...extra,
    },
  });
  const readme = [
    '# t',
    '## Params',
    '| `IMAGE` | required |',
    '## Results',
    '| `DIGEST` | |',
    '## Example',
    '```yaml',
    'apiVersion: tekton.dev/v1',
    'kind: TaskRun',
    'metadata: {generateName: t-}',
    'spec:',
    '  taskRef: {name: t}',
    '  params: [{name: IMAGE, value: a}]',
    '```',
    '',
  ].join('\n');

  test('a conforming Task passes every check', () => {
    const t = task();
    expect([
      ...checkMetadata(t, version),
      ...checkInterface(t),
      ...checkPodSettings(t, readme),
      ...checkTaskReadme(t, readme),
    ]).toEqual([]);
  });

  test('a category outside the Hub list, a missing platform and a stale version are named', () => {
    const t = task();
    const metadata = t.metadata as { labels: YamlObject; annotations: YamlObject };
    metadata.labels['app.kubernetes.io/version'] = '0.0.1';
    metadata.annotations['tekton.dev/categories'] = 'Images';
    delete metadata.annotations['tekton.dev/platforms'];
    expect(checkMetadata(t, version)).toEqual([
      `label app.kubernetes.io/version must be the library's version "${version}"`,
      expect.stringContaining('category "Images" is not one of'),
      'annotation tekton.dev/platforms must list os/arch pairs, e.g. linux/amd64,linux/arm64',
    ]);
  });

  test('a description without a summary sentence, or without a blank line after it, is named', () => {
    expect(checkDescription('Builds\nimages')).toHaveLength(2);
    expect(checkDescription('Builds images.')).toEqual([]);
  });

  test('an undescribed param, a latest image and a step without resources are named', () => {
    const t = task({
      params: [{ name: 'IMAGE', type: 'string' }],
      stepTemplate: {
        securityContext: {
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
      steps: [{ name: 's', image: 'quay.io/x/y:latest' }],
    });
    expect(checkInterface(t)).toEqual(['param IMAGE has no description']);
    expect(checkPodSettings(t, readme)).toEqual([
      'step s needs computeResources: requests.cpu, requests.memory and limits.memory',
      'step s: image "quay.io/x/y:latest" must have a version tag (not latest) or a digest',
    ]);
  });

  test('a step that runs as root is accepted only when the README explains it under a Security context heading', () => {
    const t = task({
      steps: [
        {
          name: 'build',
          image: 'quay.io/x/b:1',
          securityContext: { runAsUser: 0, runAsNonRoot: false, capabilities: { add: ['SETFCAP'] } },
        },
      ],
    });
    expect(checkPodSettings(t, readme)).toEqual([
      expect.stringContaining('step build runs with more than the restricted security context'),
    ]);
    expect(checkPodSettings(t, `${readme}\n## Security context on OpenShift\nbuildah needs root.\n`)).toEqual(
      [],
    );
  });

  test('the README must name every param and result and show a TaskRun giving the required params', () => {
    expect(
      checkTaskReadme(
        task(),
        readme.replace('`IMAGE`', 'IMAGE').replace('params: [{name: IMAGE, value: a}]', 'params: []'),
      ),
    ).toEqual([
      'README.md "Params" section does not name `IMAGE`',
      'the example TaskRun does not give the required param IMAGE',
    ]);
  });

  test('restricted means every field of the restricted profile', () => {
    const base = {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
    expect(isRestricted(base)).toBe(true);
    expect(isRestricted({ ...base, seccompProfile: { type: 'Unconfined' } })).toBe(false);
    expect(isRestricted({ ...base, capabilities: { drop: ['ALL'], add: ['NET_RAW'] } })).toBe(false);
    expect(isRestricted({ ...base, runAsUser: 0 })).toBe(false);
  });

  test('pinnable images: a version tag or a digest', () => {
    expect(isPinnable('quay.io/a/b:0.1.0')).toBe(true);
    expect(isPinnable(`quay.io/a/b@sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isPinnable('127.0.0.1:5000/a/b')).toBe(false);
    expect(isPinnable('quay.io/a/b:latest')).toBe(false);
  });
});
