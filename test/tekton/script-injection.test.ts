import path from 'node:path';
import { describeObject, loadDocuments, yamlFiles } from './yaml-docs.js';
import { describeInjection, findScriptInjections } from './script-injection.js';

const root = path.resolve(__dirname, '..', '..');
const broken = path.join(root, 'test', 'fixtures', 'tekton', 'broken');

function lint(files: string[]): string[] {
  return files
    .flatMap(loadDocuments)
    .flatMap((doc) =>
      findScriptInjections(doc.value).map(
        (i) =>
          `${path.relative(root, doc.file)}:${doc.index} ${describeObject(doc.value)}: ${describeInjection(i)}`,
      ),
    );
}

describe('no Tekton variable is spliced into shell code', () => {
  const files = yamlFiles(['tasks', 'pipelines', 'triggers'].map((d) => path.join(root, d)));

  test('the library has YAML to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  test('in tasks/, pipelines/ and triggers/', () => {
    expect(lint(files)).toEqual([]);
  });

  test('a Task with $(params.IMAGE) in its script is rejected, naming the field and the variable', () => {
    expect(lint([path.join(broken, 'script-params.yaml')])).toEqual([
      'test/fixtures/tekton/broken/script-params.yaml:1 Task/script-params: spec.steps[0].script: $(params.IMAGE) is spliced into shell code; pass it as an exec-form arg or an env var',
    ]);
  });
});
