/** One entry of a token's `access` claim, and one parsed `scope` parameter of a token request. */
export interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}

/**
 * Parses token-request scopes: `repository:team/app:pull,push`, `registry:catalog:*`. A scope parameter may be
 * repeated or hold several scopes separated by spaces. The name sits between the first and the last colon,
 * because a repository name may carry a registry port.
 */
export function parseScopes(values: readonly string[]): ResourceAccess[] {
  const scopes: ResourceAccess[] = [];
  for (const value of values) {
    for (const text of value.split(' ').filter(Boolean)) {
      const first = text.indexOf(':');
      const last = text.lastIndexOf(':');
      if (first <= 0 || last === first) throw new Error(`malformed scope ${JSON.stringify(text)}`);
      scopes.push({
        type: text.slice(0, first),
        name: text.slice(first + 1, last),
        actions: text
          .slice(last + 1)
          .split(',')
          .filter(Boolean),
      });
    }
  }
  return scopes;
}

export function scopeKey(scope: ResourceAccess): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

/**
 * What a token grants: each requested action the caller may perform, resources left with nothing dropped.
 * As the token protocol says, a caller asking for more than it may do gets a token for less, not an error;
 * the registry then answers 401 insufficient_scope.
 */
export function grantAccess(
  requested: readonly ResourceAccess[],
  allowedActions: readonly string[],
): ResourceAccess[] {
  return requested
    .map((scope) => ({
      ...scope,
      actions: scope.actions.filter((action) => allowedActions.includes(action)),
    }))
    .filter((scope) => scope.actions.length > 0);
}
