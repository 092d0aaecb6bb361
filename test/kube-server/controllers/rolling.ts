/**
 * The deployment controller's arithmetic for a RollingUpdate (pkg/controller/deployment/rolling.go),
 * kept pure so it can be tested on its own.
 */
export interface ReplicaSetCounts {
  name: string;
  replicas: number;
  available: number;
}

/** maxSurge rounds up, maxUnavailable rounds down; both zero would deadlock, so unavailable becomes 1. */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const resolve = (value: number | string | undefined, roundUp: boolean): number => {
    if (typeof value === 'number') return value;
    const match = /^(\d+)%$/.exec(value ?? '25%');
    if (!match) throw new Error(`invalid value for IntOrString: "${value}"`);
    const exact = (Number(match[1]) * desired) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  };
  const surge = resolve(maxSurge, true);
  let unavailable = resolve(maxUnavailable, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, desired) };
}

/** How many replicas the new ReplicaSet should have now. */
export function newReplicaSetTarget(
  desired: number,
  surge: number,
  newRS: ReplicaSetCounts,
  all: ReplicaSetCounts[],
): number {
  if (newRS.replicas >= desired) return desired;
  const current = all.reduce((sum, rs) => sum + rs.replicas, 0);
  const allowed = desired + surge - current;
  if (allowed <= 0) return newRS.replicas;
  return newRS.replicas + Math.min(allowed, desired - newRS.replicas);
}

/**
 * New replica counts for the old ReplicaSets: scale down first what is unavailable anyway, then as far as
 * availability allows (never below desired - maxUnavailable available pods).
 */
export function oldReplicaSetTargets(
  desired: number,
  unavailable: number,
  newRS: ReplicaSetCounts,
  old: ReplicaSetCounts[],
): Map<string, number> {
  const targets = new Map(old.map((rs) => [rs.name, rs.replicas]));
  const oldTotal = old.reduce((sum, rs) => sum + rs.replicas, 0);
  if (oldTotal === 0) return targets;
  const all = [newRS, ...old];
  const allPods = all.reduce((sum, rs) => sum + rs.replicas, 0);
  const minAvailable = desired - unavailable;
  const newUnavailable = newRS.replicas - newRS.available;
  let budget = allPods - minAvailable - newUnavailable;
  if (budget <= 0) return targets;

  // Unhealthy old pods first: removing them costs no availability.
  const oldestFirst = [...old];
  for (const rs of oldestFirst) {
    if (budget <= 0) break;
    const current = targets.get(rs.name) ?? 0;
    const unhealthy = current - rs.available;
    const cut = Math.min(budget, Math.max(unhealthy, 0));
    if (cut > 0) {
      targets.set(rs.name, current - cut);
      budget -= cut;
    }
  }
  const available = all.reduce((sum, rs) => sum + rs.available, 0);
  let healthyBudget = available - minAvailable;
  for (const rs of oldestFirst) {
    if (healthyBudget <= 0) break;
    const current = targets.get(rs.name) ?? 0;
    const cut = Math.min(current, healthyBudget);
    if (cut > 0) {
      targets.set(rs.name, current - cut);
      healthyBudget -= cut;
    }
  }
  return targets;
}
