import type { ImmutabilityRule } from './immutable.js';

export type TagAction = 'create' | 'move' | 'unchanged' | 'refused';

export interface TagChange {
  tag: string;
  action: TagAction;
  /** The digest the tag pointed at before, when it existed. */
  previous?: string;
}

export interface TagPlan {
  digest: string;
  changes: TagChange[];
  /** Immutable tags that point elsewhere: when there is any, nothing may be written. */
  refused: TagChange[];
  /** Tags that need a manifest PUT. */
  writes: string[];
}

/**
 * Decides, from where each tag points now, what pointing them all at `digest` takes. An immutable tag
 * already on another digest is refused; one already on `digest` needs nothing.
 */
export function planTags(
  tags: readonly string[],
  digest: string,
  current: ReadonlyMap<string, string | undefined>,
  isImmutable: ImmutabilityRule,
): TagPlan {
  const changes = tags.map((tag): TagChange => {
    const previous = current.get(tag);
    if (previous === undefined) return { tag, action: 'create' };
    if (previous === digest) return { tag, action: 'unchanged', previous };
    return { tag, action: isImmutable(tag) ? 'refused' : 'move', previous };
  });
  return {
    digest,
    changes,
    refused: changes.filter((c) => c.action === 'refused'),
    writes: changes.filter((c) => c.action === 'create' || c.action === 'move').map((c) => c.tag),
  };
}

export function describeRefusal(plan: TagPlan, repository: string): string {
  const each = plan.refused.map((c) => `${c.tag} is ${c.previous}`).join('; ');
  return `immutable tag${plan.refused.length > 1 ? 's' : ''} in ${repository} already point${plan.refused.length > 1 ? '' : 's'} at another digest, refusing to move to ${plan.digest}: ${each}; nothing was changed`;
}
