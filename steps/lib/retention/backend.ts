import { parseRepository, type Capabilities, type RegistryClient } from '../oci/index.js';
import type { Logger } from '../tekton/log.js';
import { RegistryExecutor, requireDeletion, type Executor } from './apply.js';
import { indexInUse, type ImageInUse } from './in-use.js';
import { inventoryRepository, ManifestStore } from './inventory.js';
import type { InUseIndex, RepositoryInventory } from './model.js';
import type { RetentionPolicy } from './policy.js';

/** Where images live and how tags and manifests are removed there: an OCI registry, or OpenShift ImageStreams. */
export interface Backend {
  /** For messages: `registry quay.example.com`, `image streams in namespace shop`. */
  readonly description: string;
  /** Set where only tags are ever removed; the reason shown on each such tag. */
  readonly tagsOnly?: string;
  /** How the space is actually freed afterwards, for the reminder in the output. */
  readonly reclaimHint: string;
  /** The repositories given, or every repository the backend lists. */
  repositories(given: readonly string[]): Promise<string[]>;
  inventory(repository: string, log?: Logger): Promise<RepositoryInventory>;
  /** Images in use, indexed by this backend's repositories. */
  inUse(
    images: readonly ImageInUse[],
    policy: RetentionPolicy,
    inventories: readonly RepositoryInventory[],
  ): InUseIndex;
  /** Throws, before anything changes, when the backend would refuse to delete. */
  checkCanDelete(repository: string): Promise<void>;
  executor(repository: string): Promise<Executor>;
  /** Problems worth a warning even on a dry run (e.g. deletion disabled). */
  dryRunWarnings(repository: string): Promise<string[]>;
}

/** Any registry speaking the OCI distribution API, through the shared client. */
export class RegistryBackend implements Backend {
  readonly description: string;
  readonly reclaimHint =
    "deleting manifests frees no space by itself: run the registry's garbage collection (distribution: `registry garbage-collect --delete-untagged <config.yml>`; OpenShift: `oc adm prune images`)";
  private readonly store: ManifestStore;
  private probe?: Promise<Capabilities>;
  private readonly read = new Set<string>();

  constructor(
    private readonly client: RegistryClient,
    private readonly registry: string,
    private readonly concurrency: number,
  ) {
    this.description = `registry ${registry}`;
    this.store = new ManifestStore(client);
  }

  private ref(repository: string) {
    return parseRepository(`${this.registry}/${repository}`);
  }

  /** Probed once per run: deletion and referrers support are settings of the whole registry. */
  capabilities(repository: string): Promise<Capabilities> {
    this.probe ??= this.client.capabilities(this.ref(repository));
    return this.probe;
  }

  async repositories(given: readonly string[]): Promise<string[]> {
    return given.length > 0 ? [...given] : this.client.catalog(this.registry);
  }

  async inventory(repository: string, log?: Logger): Promise<RepositoryInventory> {
    const { referrersApi } = await this.capabilities(repository);
    // A repository read before in this run (planned, now re-checked) has its manifests cached: HEAD is enough.
    const resolveTagsBy = this.read.has(repository) ? 'head' : 'get';
    this.read.add(repository);
    return inventoryRepository(this.client, this.store, this.ref(repository), {
      concurrency: this.concurrency,
      readConfigs: true,
      resolveTagsBy,
      referrersApi,
      log,
    });
  }

  inUse(images: readonly ImageInUse[], policy: RetentionPolicy): InUseIndex {
    return indexInUse(images, [this.registry, ...policy.inUse.registryAliases]);
  }

  async checkCanDelete(repository: string): Promise<void> {
    requireDeletion(this.registry, await this.capabilities(repository));
  }

  async dryRunWarnings(repository: string): Promise<string[]> {
    const { deleteManifests } = await this.capabilities(repository);
    return deleteManifests
      ? []
      : [
          `${this.registry} refuses DELETE of manifests (disabled, or no delete permission): --apply would stop before deleting anything`,
        ];
  }

  async executor(repository: string): Promise<Executor> {
    return new RegistryExecutor(this.client, this.ref(repository), await this.capabilities(repository));
  }
}
