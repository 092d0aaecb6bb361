import { randomBytes } from 'node:crypto';

/**
 * Who may do what, in the spirit of an RBAC Role: each rule allows verbs on resources (with an optional
 * subresource, e.g. `deployments/scale`) in API groups, optionally only in some namespaces or on some
 * object names. `*` matches anything.
 */
export interface AccessRule {
  verbs: string[];
  resources: string[];
  apiGroups?: string[];
  namespaces?: string[];
  resourceNames?: string[];
}

export interface User {
  name: string;
  token: string;
  rules: AccessRule[];
}

export const CLUSTER_ADMIN: AccessRule[] = [{ verbs: ['*'], resources: ['*'], apiGroups: ['*'] }];

export interface AccessRequest {
  verb: string;
  group: string;
  /** Plural, with `/subresource` when the request targets one. */
  resource: string;
  namespace?: string;
  name?: string;
}

const matches = (allowed: string[] | undefined, value: string | undefined): boolean =>
  allowed === undefined || allowed.includes('*') || (value !== undefined && allowed.includes(value));

export function allows(rules: AccessRule[], req: AccessRequest): boolean {
  return rules.some(
    (rule) =>
      matches(rule.verbs, req.verb) &&
      matches(rule.resources, req.resource) &&
      matches(rule.apiGroups ?? ['*'], req.group) &&
      (rule.namespaces === undefined ||
        (req.namespace !== undefined && matches(rule.namespaces, req.namespace))) &&
      (rule.resourceNames === undefined || (req.name !== undefined && matches(rule.resourceNames, req.name))),
  );
}

/** The reason half of a 403 message, worded as the RBAC authorizer words it. */
export function denialReason(user: User, req: AccessRequest): string {
  const where = req.namespace ? `in the namespace "${req.namespace}"` : 'at the cluster scope';
  return `User "${user.name}" cannot ${req.verb} resource "${req.resource}" in API group "${req.group}" ${where}`;
}

export class Users {
  private readonly byToken = new Map<string, User>();

  add(name: string, rules: AccessRule[], token = randomBytes(24).toString('base64url')): User {
    const user = { name, token, rules };
    this.byToken.set(token, user);
    return user;
  }

  authenticate(authorization: string | undefined): User | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    return match ? this.byToken.get(match[1] as string) : undefined;
  }

  all(): User[] {
    return [...this.byToken.values()];
  }
}
