import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import {
  loadTemplate,
  renderPipelineRun,
  REBUILD_OF,
  STALE_BASE,
  type RebuildValues,
} from '../../../steps/lib/base-image/pipelinerun.js';
import { UsageError } from '../../../steps/lib/errors.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

const dir = makeTempDir('pipelinerun-template');
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const TEMPLATE = `apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: rebuild-
spec:
  pipelineRef:
    name: build-and-promote
  params:
    - name: IMAGE
      value: "{{IMAGE_REPOSITORY}}:{{ IMAGE_TAG }}"
    - name: REASON
      value: base {{BASE_IMAGE}} moved from {{OLD_BASE_DIGEST}} to {{NEW_BASE_DIGEST}}
`;

const values: RebuildValues = {
  IMAGE: 'reg:5000/team/app:1.2.3',
  IMAGE_REPOSITORY: 'reg:5000/team/app',
  IMAGE_TAG: '1.2.3',
  IMAGE_DIGEST: 'sha256:aa',
  BASE_IMAGE: 'reg:5000/b:1',
  OLD_BASE_DIGEST: 'sha256:01',
  NEW_BASE_DIGEST: 'sha256:02',
};

test('placeholders are filled inside string values, and the run says what it rebuilds', () => {
  const run = renderPipelineRun(loadTemplate(file('ok.yaml', TEMPLATE)), values) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(run.spec.params).toEqual([
    { name: 'IMAGE', value: 'reg:5000/team/app:1.2.3' },
    { name: 'REASON', value: 'base reg:5000/b:1 moved from sha256:01 to sha256:02' },
  ]);
  expect(run.metadata.generateName).toBe('rebuild-');
  expect(run.metadata.annotations).toEqual({
    [REBUILD_OF]: values.IMAGE,
    [STALE_BASE]: 'reg:5000/b:1: sha256:01 -> sha256:02',
  });
  expect(run.metadata.labels['image-lifecycle.io/trigger']).toBe('base-image-check');
});

test('a value that looks like YAML stays one string', () => {
  const run = renderPipelineRun(loadTemplate(file('ok2.yaml', TEMPLATE)), {
    ...values,
    BASE_IMAGE: 'x\n  injected: true',
  }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(run.spec.params[1].value).toBe('base x\n  injected: true moved from sha256:01 to sha256:02');
  expect((yaml.load(yaml.dump(run)) as any).spec.injected).toBeUndefined(); // eslint-disable-line @typescript-eslint/no-explicit-any
});

test.each([
  ['missing.yaml', null, /cannot read it \(ENOENT\)/],
  ['two.yaml', `${TEMPLATE}---\n${TEMPLATE}`, /holds 2 documents/],
  [
    'task.yaml',
    TEMPLATE.replace('kind: PipelineRun', 'kind: TaskRun'),
    /is tekton.dev\/v1 TaskRun, not a tekton.dev\/v1 PipelineRun/,
  ],
  ['named.yaml', TEMPLATE.replace('generateName: rebuild-', 'name: rebuild'), /use metadata.generateName/],
  [
    'nameless.yaml',
    TEMPLATE.replace('  generateName: rebuild-\n', '  labels: {}\n'),
    /needs metadata.generateName/,
  ],
  ['unknown.yaml', TEMPLATE.replace('{{BASE_IMAGE}}', '{{BASE}}'), /unknown placeholder \{\{BASE\}\}/],
  ['bad.yaml', 'a: [1', /not YAML/],
])('%s is refused', (name, text, message) => {
  const path = text === null ? join(dir, name) : file(name, text);
  expect(() => loadTemplate(path)).toThrow(UsageError);
  expect(() => loadTemplate(path)).toThrow(message);
});
