import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { imagesIn, pinYamlText } from '../../../steps/lib/catalog/pin.js';
import { loadLibrary } from '../../../steps/lib/catalog/library.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('imagesIn', () => {
  test('finds literal images, the defaults of image params, and images inside TriggerTemplates, skipping variables and digests', () => {
    const docs = [
      {
        kind: 'Task',
        spec: {
          params: [
            { name: 'IMG', default: 'quay.io/a/b:1' },
            { name: 'NOT_USED', default: 'quay.io/a/unused:1' },
          ],
          steps: [
            { image: '$(params.IMG)' },
            { image: 'quay.io/a/c:2' },
            { image: `quay.io/a/d:3@${digest}` },
            { image: 'quay.io/$(params.X)/e:1' },
          ],
        },
      },
      {
        kind: 'TriggerTemplate',
        spec: {
          resourcetemplates: [
            { spec: { pipelineSpec: { tasks: [{ taskSpec: { steps: [{ image: 'quay.io/a/f:4' }] } }] } } },
          ],
        },
      },
    ];
    expect(imagesIn(docs)).toEqual(['quay.io/a/b:1', 'quay.io/a/c:2', 'quay.io/a/f:4']);
  });

  test('every step image of every library Task is found, so make release leaves none unpinned', () => {
    const tasks = loadLibrary([join(REPO_ROOT, 'tasks')]).filter((o) => o.kind === 'Task');
    expect(tasks.length).toBe(
      readdirSync(join(REPO_ROOT, 'tasks'), { withFileTypes: true }).filter((e) => e.isDirectory()).length,
    );
    for (const task of tasks) {
      const spec = task.object.spec as {
        steps: { image: string }[];
        params?: { name: string; default?: string }[];
      };
      const found = imagesIn([task.object]);
      for (const step of spec.steps) {
        const param = /^\$\(params\.(.+)\)$/.exec(step.image)?.[1];
        const image = param ? spec.params?.find((p) => p.name === param)?.default : step.image;
        expect({ task: task.name, image, found: found.includes(image ?? '') }).toEqual({
          task: task.name,
          image,
          found: true,
        });
      }
    }
  });
});

describe('pinYamlText', () => {
  const pins = new Map([['quay.io/a/c:2', `quay.io/a/c:2@${digest}`]]);

  test('rewrites block-style image lines, keeping quotes and comments', () => {
    const text = 'steps:\n  - name: x # first\n    image: "quay.io/a/c:2" # pinned at release\n';
    expect(pinYamlText(text, 't.yaml', pins)).toBe(
      `steps:\n  - name: x # first\n    image: "quay.io/a/c:2@${digest}" # pinned at release\n`,
    );
  });

  test('refuses an image it cannot rewrite in place (flow style) instead of writing a half-pinned file', () => {
    expect(() => pinYamlText('steps: [{name: x, image: quay.io/a/c:2}]\n', 't.yaml', pins)).toThrow(
      't.yaml: an image could not be pinned in place; write each image: and param default: on its own line, in block style',
    );
  });
});
