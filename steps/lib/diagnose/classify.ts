/** Why a pull failed, in the terms a person fixing it thinks in. */
export type PullFailureCategory =
  | 'not-found'
  | 'unauthorized'
  | 'rate-limited'
  | 'unreachable'
  | 'tls'
  | 'invalid-name'
  | 'platform-mismatch'
  | 'never-pull'
  | 'unknown';

export const CATEGORY_TITLES: Record<PullFailureCategory, string> = {
  'not-found': 'tag or manifest not found',
  unauthorized: 'unauthorized or access denied',
  'rate-limited': 'rate limited by the registry',
  unreachable: 'registry unreachable',
  tls: 'TLS certificate not trusted',
  'invalid-name': 'invalid image name',
  'platform-mismatch': "no image for the node's platform",
  'never-pull': 'image not on the node and pull policy Never',
  unknown: 'pull failed',
};

/** Waiting reasons that mean the image could not be pulled (kubelet's images package). */
export const PULL_FAILURE_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'ImageInspectError',
  'RegistryUnavailable',
  'SignatureValidationFailed',
]);

/**
 * Failures the kubelet's retries will not cure: the registry answered, and its answer will not change by
 * itself. Rate limits, unreachable registries and unclassified errors may pass, so a rollout waits on them.
 */
export const LASTING_PULL_FAILURES: ReadonlySet<PullFailureCategory> = new Set([
  'not-found',
  'unauthorized',
  'tls',
  'invalid-name',
  'platform-mismatch',
  'never-pull',
]);

// Tested in this order: a message can match several (a TLS handshake timeout is about reachability, not
// certificates; "pull access denied, repository does not exist" is the registry refusing to say which).
const RULES: Array<[PullFailureCategory, RegExp]> = [
  [
    'invalid-name',
    /invalid reference format|couldn't parse image (reference|name)|failed to apply default image tag|invalid image name/i,
  ],
  [
    'platform-mismatch',
    /no match for platform in manifest|no image found in (image index|manifest list) for architecture|does not match the specified platform|exec format error/i,
  ],
  ['rate-limited', /toomanyrequests|too many requests|rate limit|\b429\b/i],
  [
    'unreachable',
    /tls handshake timeout|no such host|i\/o timeout|connection refused|context deadline exceeded|network is unreachable|no route to host|server misbehaving|temporary failure in name resolution|connection reset|dial tcp|Client\.Timeout/i,
  ],
  [
    'tls',
    /x509:|tls: |certificate (signed by unknown authority|has expired|is not valid|is valid for)|server gave HTTP response to HTTPS client/i,
  ],
  [
    'unauthorized',
    /unauthorized|authentication required|\b401\b|\b403\b|forbidden|denied|insufficient_scope|authorization failed|no basic auth credentials|invalid username\/password/i,
  ],
  ['not-found', /not found|manifest unknown|name unknown|NotFound|does not exist|blob unknown/i],
];

/** Classifies a pull error from the kubelet's message (and the waiting reason, which settles two cases alone). */
export function classifyPullError(message: string, reason?: string): PullFailureCategory {
  if (reason === 'InvalidImageName') return 'invalid-name';
  if (reason === 'ErrImageNeverPull') return 'never-pull';
  return RULES.find(([, pattern]) => pattern.test(message))?.[0] ?? 'unknown';
}

/** The finer cause of an unreachable registry, for the fix line. */
export function unreachableCause(message: string): 'dns' | 'timeout' | 'refused' | 'network' {
  if (/no such host|temporary failure in name resolution|server misbehaving|lookup /i.test(message))
    return 'dns';
  if (/timeout|deadline exceeded/i.test(message)) return 'timeout';
  if (/connection refused/i.test(message)) return 'refused';
  return 'network';
}

export interface FixContext {
  registry?: string;
  serviceAccount?: string;
  /** The pod's imagePullSecrets. */
  pullSecrets: string[];
  /** Listed but absent from the namespace. */
  missingSecrets: string[];
  message: string;
}

const list = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

/** One line saying what to change so the pull works. */
export function suggestFix(category: PullFailureCategory, context: FixContext): string {
  const registry = context.registry ?? 'the registry';
  switch (category) {
    case 'not-found':
      return 'push the tag or correct the image reference; run verify before deploying and deploy by digest so a moved or deleted tag cannot break a rollout';
    case 'unauthorized': {
      if (context.missingSecrets.length)
        return `create the missing pull secret(s) ${list(context.missingSecrets)} with credentials for ${registry}`;
      if (context.pullSecrets.length === 0) {
        return `give ServiceAccount "${context.serviceAccount ?? 'default'}" an imagePullSecret with pull access to ${registry} (oc secrets link ${context.serviceAccount ?? 'default'} SECRET --for=pull)`;
      }
      return `the credentials in pull secret(s) ${list(context.pullSecrets)} are wrong or lack pull access to the repository on ${registry}: update the secret`;
    }
    case 'rate-limited':
      return `authenticate pulls from ${registry} with a pull secret, or mirror the image to a registry you control`;
    case 'unreachable': {
      const cause = unreachableCause(context.message);
      if (cause === 'dns')
        return `the node cannot resolve ${registry}: check the registry host name and the cluster DNS`;
      if (cause === 'timeout')
        return `the node timed out reaching ${registry}: check proxy and firewall settings and the registry's health`;
      if (cause === 'refused')
        return `${registry} refused the connection: check the registry is running and the port is right`;
      return `the node cannot reach ${registry}: check network, proxy and firewall settings`;
    }
    case 'tls':
      return `make the nodes trust ${registry}'s certificate (OpenShift: image.config.openshift.io additionalTrustedCA) or fix the certificate`;
    case 'invalid-name':
      return 'fix the image reference: lowercase host[:port]/path[:tag][@sha256:digest], no scheme';
    case 'platform-mismatch':
      return "build the image for the node's platform (e.g. linux/amd64) or add that platform to the multi-arch index; verify --platform catches this before deploying";
    case 'never-pull':
      return 'imagePullPolicy Never needs the image preloaded on every node; use IfNotPresent';
    case 'unknown':
      return 'read the message above; run verify on the image to check it from outside the node';
  }
}
