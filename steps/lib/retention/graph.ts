import type { RepositoryInventory } from './model.js';
import { attachmentOf, shortDigest } from './tags.js';

/** One way a manifest keeps another alive; `relation` reads as "<to> is <relation> <from>". */
interface Edge {
  to: string;
  /** child: an index lists it; referrer: it is about the source (a signature, SBOM, fallback index); subject: the reverse. */
  kind: EdgeKind;
  relation: string;
}

export type EdgeKind = 'child' | 'referrer' | 'subject';

/** How a digest was reached: from which root, and the last step of the way (absent for a root). */
export interface Reach {
  root: string;
  relation?: string;
}

/**
 * What each manifest of a repository keeps alive with it: an index its children (platform images, nested
 * indexes, the referrers a fallback index lists), a manifest its referrers, fallback index and cosign
 * signature/attestation/SBOM tags, and a referrer its subject (deleting the subject would orphan it).
 * Index children do not keep their index: a tagged platform image can stay while its index goes.
 */
export class ReachabilityGraph {
  private readonly edges = new Map<string, Edge[]>();

  constructor(readonly inventory: RepositoryInventory) {
    const { manifests, referrers, tags } = inventory;
    for (const info of manifests.values()) {
      for (const child of info.children) {
        const platform = manifests.get(child)?.platform;
        this.add(
          info.digest,
          child,
          'child',
          `listed by index ${shortDigest(info.digest)}${platform ? ` (${platform})` : ''}`,
        );
      }
      if (info.subject) {
        const what = info.artifactType ? `referrer (${info.artifactType})` : 'referrer';
        this.add(info.subject, info.digest, 'referrer', `${what} of ${shortDigest(info.subject)}`);
        this.add(info.digest, info.subject, 'subject', `subject of referrer ${shortDigest(info.digest)}`);
      }
    }
    for (const [subject, list] of referrers) {
      for (const referrer of list)
        this.add(subject, referrer, 'referrer', `referrer of ${shortDigest(subject)}`);
    }
    for (const [tag, digest] of tags) {
      const attachment = attachmentOf(tag);
      if (attachment)
        this.add(
          attachment.subject,
          digest,
          'referrer',
          `${attachment.kind} (tag ${tag}) of ${shortDigest(attachment.subject)}`,
        );
    }
  }

  private add(from: string, to: string, kind: EdgeKind, relation: string): void {
    if (from === to || !this.inventory.manifests.has(from) || !this.inventory.manifests.has(to)) return;
    const list = this.edges.get(from) ?? [];
    if (!list.some((e) => e.to === to)) list.push({ to, kind, relation });
    this.edges.set(from, list);
  }

  /** Everything reachable from the starts (digest → the root it stands for), each with how it was reached. */
  closure(starts: ReadonlyMap<string, string>): Map<string, Reach> {
    const reached = new Map<string, Reach>();
    const queue: string[] = [];
    for (const [digest, root] of starts) {
      if (!this.inventory.manifests.has(digest) || reached.has(digest)) continue;
      reached.set(digest, { root });
      queue.push(digest);
    }
    for (let i = 0; i < queue.length; i++) {
      const from = queue[i] as string;
      const root = (reached.get(from) as Reach).root;
      for (const edge of this.edges.get(from) ?? []) {
        if (reached.has(edge.to)) continue;
        reached.set(edge.to, { root, relation: edge.relation });
        queue.push(edge.to);
      }
    }
    return reached;
  }

  /** Direct successors of one kind, for ordering deletions. */
  successors(digest: string, kind: EdgeKind): string[] {
    return (this.edges.get(digest) ?? []).filter((e) => e.kind === kind).map((e) => e.to);
  }
}

export function describeReach(reach: Reach): string {
  return reach.relation ? `${reach.relation}; reached from ${reach.root}` : reach.root;
}
