import { deploymentRolloutStatus, type DeploymentLike } from '../../../steps/lib/kube/rollout.js';

const deployment = (status: DeploymentLike['status'], generation = 2, replicas = 3): DeploymentLike => ({
  metadata: { name: 'web', generation },
  spec: { replicas },
  status,
});

describe('rollout status, as kubectl computes it', () => {
  test('an unobserved spec comes first', () => {
    expect(
      deploymentRolloutStatus(
        deployment({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }),
      ),
    ).toEqual({
      state: 'progressing',
      message: 'Waiting for deployment spec update to be observed...',
    });
  });

  test('ProgressDeadlineExceeded fails the rollout', () => {
    const status = deploymentRolloutStatus(
      deployment({
        observedGeneration: 2,
        replicas: 4,
        updatedReplicas: 1,
        conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }],
      }),
    );
    expect(status).toEqual({ state: 'failed', message: 'deployment "web" exceeded its progress deadline' });
  });

  test.each([
    [
      { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3 },
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    ],
    [
      { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 },
      'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    ],
    [
      { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 },
      'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
    ],
  ])('%j is still progressing', (status, message) => {
    expect(deploymentRolloutStatus(deployment(status))).toEqual({ state: 'progressing', message });
  });

  test('done when every replica is updated and available', () => {
    const status = deploymentRolloutStatus(
      deployment({
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        availableReplicas: 3,
        conditions: [{ type: 'Progressing', reason: 'NewReplicaSetAvailable' }],
      }),
    );
    expect(status).toEqual({ state: 'done', message: 'deployment "web" successfully rolled out' });
  });

  test('a deployment scaled to zero is done once observed', () => {
    expect(deploymentRolloutStatus(deployment({ observedGeneration: 2 }, 2, 0)).state).toBe('done');
  });
});
