/**
 * The kubelet's own words (pkg/kubelet/images, kuberuntime, prober), so that events and container
 * statuses read exactly like a real node's and diagnosis code can be tested against them.
 */

/** Go's time.Duration.String() for a millisecond-truncated duration: 717ms, 1.594s, 2m3s, 1h0m0s. */
export function goDuration(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const secondsMs = whole % 60_000;
  const seconds = (secondsMs / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

export const pulling = (image: string) => `Pulling image "${image}"`;

export const pulled = (image: string, pullMs: number, totalMs: number, size: number) =>
  `Successfully pulled image "${image}" in ${goDuration(pullMs)} (${goDuration(totalMs)} including waiting). Image size: ${size} bytes.`;

export const alreadyPresent = (image: string) => `Container image "${image}" already present on machine`;

export const failedToPull = (image: string, error: string) => `Failed to pull image "${image}": ${error}`;

export const backOffPulling = (image: string) => `Back-off pulling image "${image}"`;

/** The waiting message while in image pull back-off carries the last pull error (kubelet 1.30+). */
export const backOffPullingWaiting = (image: string, error: string) =>
  `Back-off pulling image "${image}": ErrImagePull: ${error}`;

export const notPresentNeverPull = (image: string) =>
  `Container image "${image}" is not present with pull policy of Never`;

export const createdContainer = (name: string) => `Created container: ${name}`;

export const startedContainer = (name: string) => `Started container ${name}`;

const podId = (pod: { name: string; namespace: string; uid: string }) =>
  `${pod.name}_${pod.namespace}(${pod.uid})`;

export const crashLoopWaiting = (
  backOffMs: number,
  container: string,
  pod: { name: string; namespace: string; uid: string },
) => `back-off ${goDuration(backOffMs)} restarting failed container=${container} pod=${podId(pod)}`;

export const crashLoopEvent = (container: string, pod: { name: string; namespace: string; uid: string }) =>
  `Back-off restarting failed container ${container} in pod ${podId(pod)}`;

export const readinessFailed = (detail: string) => `Readiness probe failed: ${detail}`;

export const missingPullSecrets = (names: string[]) =>
  `Unable to retrieve some image pull secrets (${names.join(', ')}); attempting to pull the image may not succeed.`;

export const unreadyContainers = (names: string[]) => `containers with unready status: [${names.join(' ')}]`;
