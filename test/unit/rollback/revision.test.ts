import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { GateError, UsageError } from '../../../steps/lib/errors.js';
import { currentRevision, findRevision, planRevisionRollback } from '../../../steps/lib/rollback/revision.js';

const template = (image: string, hash?: string) => ({
  metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'app', image }] },
});

const rs = (revision: number, image: string, annotations: Record<string, string> = {}): V1ReplicaSet => ({
  metadata: {
    name: `web-${revision}`,
    annotations: {
      'deployment.kubernetes.io/revision': String(revision),
      'deployment.kubernetes.io/desired-replicas': '2',
      ...annotations,
    },
  },
  spec: { selector: {}, template: template(image, `h${revision}`) },
});

const deployment = (image: string, revision: number): V1Deployment => ({
  metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': String(revision) } },
  spec: { selector: {}, template: template(image) },
});

const history = [
  rs(1, 'app:v1'),
  rs(3, 'app:v3', { 'kubernetes.io/change-cause': 'deploy v3' }),
  rs(2, 'app:v2'),
];

describe('rolling back to a revision', () => {
  test('the current revision is the ReplicaSet with the same template, not the annotation', () => {
    expect(currentRevision(deployment('app:v3', 3), history)).toBe(3);
    expect(currentRevision(deployment('app:v2', 3), history)).toBe(2);
    // Patched to v4 a moment ago: the controller has not made its ReplicaSet, nor bumped the annotation.
    expect(currentRevision(deployment('app:v4', 3), history)).toBe(Number.POSITIVE_INFINITY);
  });

  test('0 is the revision before the current one, even while the annotation lags a new template', () => {
    expect(findRevision(deployment('app:v3', 3), history, 0).metadata?.name).toBe('web-2');
    expect(findRevision(deployment('app:v4', 3), history, 0).metadata?.name).toBe('web-3');
    expect(findRevision(deployment('app:v3', 3), history, 1).metadata?.name).toBe('web-1');
  });

  test('no earlier revision, or an unknown one, is refused with the revisions kept', () => {
    expect(() => findRevision(deployment('app:v1', 1), [rs(1, 'app:v1')], 0)).toThrow(
      new GateError(
        'deployment "web" has no revision before its current one to roll back to (revisions kept: 1)',
      ),
    );
    expect(() => findRevision(deployment('app:v3', 3), history, 7)).toThrow(
      new UsageError('--revision 7: deployment "web" has no such revision (revisions kept: 1, 2, 3)'),
    );
  });

  test("the plan copies the template without the hash label, and the ReplicaSet's own annotations", () => {
    const plan = planRevisionRollback(deployment('app:v2', 4), history[1] as V1ReplicaSet);
    expect(plan).toEqual({
      revision: 3,
      template: template('app:v3'),
      annotations: { 'kubernetes.io/change-cause': 'deploy v3' },
      unchanged: false,
    });
    expect(planRevisionRollback(deployment('app:v3', 3), history[1] as V1ReplicaSet).unchanged).toBe(true);
  });
});
