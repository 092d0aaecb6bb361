import { describeEntry, entryMatches, entryValidity, type ImageScope } from './allowlist.js';
import { pickCvss } from './cvss.js';
import { DAY_MS, daysBetween, parseDay } from './dates.js';
import type { Cvss, Finding } from './finding.js';
import type { AllowEntry, Policy } from './policy.js';
import { atLeast } from './severity.js';

export type Outcome =
  | { status: 'blocking'; reason: string }
  | { status: 'waived'; reason: string; entry: number; expires: string }
  | { status: 'in-grace'; reason: string; until: string }
  | { status: 'below-threshold'; reason: string };

export type OutcomeStatus = Outcome['status'];

export interface EvaluatedFinding extends Finding {
  outcome: Outcome;
  /** The CVSS score the policy judged by, when it judged by one. */
  judgedCvss?: Cvss;
}

export interface ExceptionStatus {
  entry: number;
  id: string;
  scope: { purl?: string; image?: string; path?: string };
  expires: string;
  reason: string;
  owner?: string;
  ticket?: string;
  state: 'active' | 'expiring' | 'expired';
  /** Days from the evaluation day to the expiry day; negative once expired. */
  daysLeft: number;
  /** Findings this entry waived in this evaluation. */
  waived: number;
}

export interface Evaluation {
  verdict: 'pass' | 'fail';
  evaluatedAt: string;
  findings: EvaluatedFinding[];
  exceptions: ExceptionStatus[];
  warnings: string[];
}

export interface EvaluationContext {
  now: Date;
  image?: ImageScope;
}

/**
 * Gives every finding exactly one outcome, in this order: below threshold (the policy does not care),
 * waived (a valid allowlist entry covers it), in grace (recently published, still inside its severity's
 * grace period), otherwise blocking. Pure: the clock is the caller's.
 */
export function evaluate(findings: readonly Finding[], policy: Policy, ctx: EvaluationContext): Evaluation {
  const now = ctx.now.getTime();
  const waivedBy = new Map<number, number>();
  const warnings = new Set<string>();
  const evaluated = findings.map((finding) => {
    const judged = judge(finding, policy, now, ctx.image, warnings);
    if (judged.outcome.status === 'waived')
      waivedBy.set(judged.outcome.entry, (waivedBy.get(judged.outcome.entry) ?? 0) + 1);
    return { ...finding, ...judged };
  });
  const exceptions = policy.allowlist.entries.map((entry) =>
    exceptionStatus(entry, policy, now, waivedBy.get(entry.index) ?? 0),
  );
  for (const e of exceptions) {
    if (e.state === 'expiring' && e.waived > 0) {
      const who = [e.owner && `owner ${e.owner}`, e.ticket && `ticket ${e.ticket}`]
        .filter(Boolean)
        .join(', ');
      warnings.add(
        `allowlist.entries[${e.entry}] (${e.id}) expires ${e.expires}, ${e.daysLeft === 0 ? 'today' : `in ${e.daysLeft} day${e.daysLeft === 1 ? '' : 's'}`}${who ? ` (${who})` : ''}`,
      );
    }
  }
  return {
    verdict: evaluated.some((f) => f.outcome.status === 'blocking') ? 'fail' : 'pass',
    evaluatedAt: ctx.now.toISOString(),
    findings: evaluated,
    exceptions,
    warnings: [...warnings],
  };
}

function judge(
  finding: Finding,
  policy: Policy,
  now: number,
  image: ImageScope | undefined,
  warnings: Set<string>,
): { outcome: Outcome; judgedCvss?: Cvss } {
  const threshold = thresholdVerdict(finding, policy);
  if (!threshold.blocks)
    return { outcome: { status: 'below-threshold', reason: threshold.reason }, judgedCvss: threshold.cvss };
  const notes: string[] = [];

  for (const entry of policy.allowlist.entries) {
    if (!entryMatches(entry, finding, image)) continue;
    const validity = entryValidity(entry, finding.severity, policy, now);
    if (validity.valid) {
      return {
        outcome: {
          status: 'waived',
          reason: waiverReason(entry),
          entry: entry.index,
          expires: entry.expires,
        },
        judgedCvss: threshold.cvss,
      };
    }
    notes.push(validity.why);
    warnings.add(`${validity.why}; it no longer waives ${finding.id} in ${finding.package.name}`);
  }

  const graceDays = policy.gracePeriodDays[finding.severity];
  if (graceDays !== undefined) {
    if (finding.publishedDate === undefined) {
      notes.push('no published date, so no grace period');
    } else {
      const until = Date.parse(finding.publishedDate) + graceDays * DAY_MS;
      if (now < until) {
        const reason = `${threshold.reason}; published ${finding.publishedDate.slice(0, 10)}, inside the ${graceDays}-day grace period for ${finding.severity}`;
        return {
          outcome: { status: 'in-grace', reason, until: new Date(until).toISOString() },
          judgedCvss: threshold.cvss,
        };
      }
      notes.push(`${graceDays}-day grace period ended ${new Date(until).toISOString().slice(0, 10)}`);
    }
  }
  return {
    outcome: { status: 'blocking', reason: [threshold.reason, ...notes].join('; ') },
    judgedCvss: threshold.cvss,
  };
}

interface ThresholdVerdict {
  blocks: boolean;
  reason: string;
  cvss?: Cvss;
}

/** Whether the policy cares about a finding at all: its severity against the level, then its CVSS score. */
function thresholdVerdict(finding: Finding, policy: Policy): ThresholdVerdict {
  const fixable = finding.fixState === 'fixed';
  const kind = fixable ? 'fixable' : 'unfixable';
  let reason: string;
  if (finding.severity === 'UNKNOWN') {
    if (!policy.failClosedOnUnknown)
      return { blocks: false, reason: 'severity UNKNOWN and failClosedOnUnknown is off' };
    reason = `severity UNKNOWN and failClosedOnUnknown is on`;
  } else {
    const level = policy.blockOn[kind];
    if (level === 'NONE')
      return { blocks: false, reason: `${kind} findings never block (blockOn.${kind}: NONE)` };
    if (!atLeast(finding.severity, level))
      return {
        blocks: false,
        reason: `${finding.severity} is below the ${level} threshold for ${kind} findings`,
      };
    reason = `${finding.severity} ${kind}, at or above the ${level} threshold`;
  }
  if (!policy.cvss) return { blocks: true, reason };
  const cvss = pickCvss(finding.cvss, policy.cvss.preferredSource);
  if (!cvss) {
    if (policy.cvss.ifMissing === 'pass')
      return { blocks: false, reason: `${reason}, but no CVSS score and cvss.ifMissing is pass` };
    return { blocks: true, reason: `${reason}; no CVSS score, judged by severity alone` };
  }
  const scored = `CVSS ${cvss.score} (${cvss.source})`;
  if (cvss.score < policy.cvss.minimumScore) {
    return {
      blocks: false,
      reason: `${scored} is below the minimum score ${policy.cvss.minimumScore}`,
      cvss,
    };
  }
  return { blocks: true, reason: `${reason}; ${scored}`, cvss };
}

function waiverReason(entry: AllowEntry): string {
  const who = [entry.owner && `owner ${entry.owner}`, entry.ticket && `ticket ${entry.ticket}`].filter(
    Boolean,
  );
  return `waived by ${describeEntry(entry)} until ${entry.expires}: ${entry.reason}${who.length ? ` (${who.join(', ')})` : ''}`;
}

function exceptionStatus(entry: AllowEntry, policy: Policy, now: number, waived: number): ExceptionStatus {
  const daysLeft = daysBetween(now, parseDay(entry.expires)!);
  return {
    entry: entry.index,
    id: entry.id,
    scope: { purl: entry.purl, image: entry.image, path: entry.path },
    expires: entry.expires,
    reason: entry.reason,
    owner: entry.owner,
    ticket: entry.ticket,
    state: daysLeft < 0 ? 'expired' : daysLeft <= policy.allowlist.warnWithinDays ? 'expiring' : 'active',
    daysLeft,
    waived,
  };
}
