import { checkNames } from '../lib/deploy/flags.js';
import { UsageError } from '../lib/errors.js';
import { kubeFlags } from '../lib/kube/flags.js';
import { insecureRegistries, parseReference, RegistryClient, registryFlags } from '../lib/oci/index.js';
import { defineStep } from '../lib/tekton/step.js';
import {
  dockerConfigCredentials,
  serviceAccountCredentials,
  type CredentialSource,
} from '../lib/verify/credentials.js';
import { parsePlatform } from '../lib/verify/platforms.js';
import { verifyImage, type VerifiedImage } from '../lib/verify/verify.js';

const bool = (description: string) =>
  ({ type: 'string', description, choices: ['true', 'false'], default: 'false' }) as const;

export const step = defineStep({
  name: 'verify',
  summary:
    "Check, before deploying, that a node will be able to pull the image: with the workload's credentials, for its platforms, with every blob present.",
  flags: {
    image: {
      type: 'string',
      description: 'The image to deploy: registry/repo:tag or @sha256:...',
      required: true,
      valueName: 'REF',
    },
    'service-account': {
      type: 'string',
      description:
        "Pull with this ServiceAccount's imagePullSecrets, read from the cluster (the workload's own credentials)",
      valueName: 'NAME',
    },
    platform: {
      type: 'string',
      multiple: true,
      description: 'A platform the image must have, e.g. linux/amd64 (also comma-separated)',
      valueName: 'OS/ARCH',
    },
    'verify-config': bool(
      'Download each config blob and check its digest, besides checking every blob is there',
    ),
    'require-signature': bool(
      'Require a signature referrer (cosign, Notation, Sigstore bundle) or a cosign .sig tag',
    ),
    'require-scan': bool('Require the newest scan report referrer (from image-scan) to say pass'),
    ...registryFlags,
    ...kubeFlags,
  },
  results: ['IMAGE_DIGEST', 'PINNED_IMAGE', 'PLATFORMS'],
  details: [
    'Credentials: with --service-account, the imagePullSecrets of that ServiceAccount in --namespace, read through the',
    'Kubernetes API, tried in order like the kubelet; otherwise --docker-config. An unauthorized answer names the secret.',
    'Checks: the reference resolves; every --platform is in the index; each checked image manifest (the wanted',
    'platforms, or all) has its config and every layer blob in the registry at the right size (HEAD each);',
    'with --verify-config the configs are downloaded and digest-checked. Deploy PINNED_IMAGE afterwards.',
    'Exit codes: 0 pullable; 1 not (tag missing, unauthorized, platform missing, blob missing, no signature or',
    'passing scan); 2 bad input; 3 registry or cluster unreachable.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    checkNames(flags, { 'service-account': 'subdomain', namespace: 'label' });
    const ref = parseReference(flags.image);
    const platforms = flags.platform
      .flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter(Boolean)
      .map(parsePlatform);
    const account = flags['service-account'];
    if (account && flags['docker-config'])
      throw new UsageError(
        'verify: give --service-account or --docker-config, not both: the check must use the credentials the workload will use',
      );
    let credentials: CredentialSource;
    if (account) {
      // The cluster client loads @kubernetes/client-node: only when the cluster is asked, never for --help.
      // By module, not through the index: a dynamic import keeps everything the module exports.
      const [{ createKubeClient }, { pullSecretsFor }] = await Promise.all([
        import('../lib/kube/client.js'),
        import('../lib/kube/pull-secrets.js'),
      ]);
      const kube = createKubeClient(
        { kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace },
        { log },
      );
      const lookup = await pullSecretsFor(kube, account);
      for (const name of lookup.missing)
        log.warn(
          `ServiceAccount "${account}" lists pull secret "${name}", which does not exist in namespace ${kube.namespace}`,
        );
      for (const { reason } of lookup.invalid) log.warn(`ServiceAccount "${account}": ${reason}`);
      credentials = serviceAccountCredentials(lookup);
    } else {
      credentials = dockerConfigCredentials(flags['docker-config'] || undefined);
    }
    const client = new RegistryClient({
      keychain: credentials.keychain,
      insecureRegistries: insecureRegistries(flags['insecure-registry']),
      caFile: flags['ca-file'] || undefined,
      log,
    });
    let verified: VerifiedImage;
    try {
      verified = await verifyImage(client, ref, {
        platforms,
        verifyConfig: flags['verify-config'] === 'true',
        requireSignature: flags['require-signature'] === 'true',
        requireScan: flags['require-scan'] === 'true',
        credentials,
        log,
      });
    } finally {
      await client.close();
    }
    results
      .set('IMAGE_DIGEST', verified.digest)
      .set('PINNED_IMAGE', verified.pinned)
      .set('PLATFORMS', verified.platforms.join(','));
    emit(verified, () =>
      [
        `${verified.image} is pullable as ${verified.pinned}`,
        `platforms: ${verified.platforms.join(', ') || 'unknown'}`,
        `checked: ${verified.manifestsChecked} image manifest(s), ${verified.blobsChecked} blob(s)`,
        ...(verified.signature ? [`signature: ${verified.signature}`] : []),
        ...(verified.scanReport ? [`scan report: ${verified.scanReport} (pass)`] : []),
      ].join('\n'),
    );
  },
});
