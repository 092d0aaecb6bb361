import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Action, Decision, Plan } from './model.js';
import { parseJson } from '../config/load.js';

const ACTIONS: readonly Action[] = ['keep', 'delete', 'untag'];
const DIGEST = /^sha(256:[a-f0-9]{64}|512:[a-f0-9]{128})$/;

export function writePlanFile(path: string, plan: Plan): void {
  try {
    writeFileSync(path, JSON.stringify(plan, null, 2) + '\n');
  } catch (err) {
    throw new UsageError(
      `--plan-file ${path} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/**
 * Reads a plan written by --plan-file, for --apply-plan. It must have been made with the same policy: the
 * apply phase re-plans each repository with the policy to check the plan is still true.
 */
export function readPlanFile(path: string, policyName: string): Plan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--apply-plan ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let doc: unknown;
  try {
    doc = parseJson(text);
  } catch {
    // JSON.parse quotes the text it stopped at; the file may not be a plan at all, so none of it is shown.
    throw new UsageError(`--apply-plan ${path}: not valid JSON; give a plan written by --plan-file`);
  }
  const fail = (what: string): never => {
    throw new UsageError(`--apply-plan ${path}: ${what}`);
  };
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as Plan).decisions))
    fail('not a retention plan (no "decisions" list)');
  const plan = doc as Plan;
  if (plan.policy !== policyName)
    fail(`made with policy "${String(plan.policy)}", but --policy is "${policyName}"`);
  plan.decisions.forEach((d: Partial<Decision>, i) => {
    const at = `decisions[${i}]`;
    if (typeof d !== 'object' || d === null) fail(`${at} is not an object`);
    if (typeof d.repository !== 'string' || d.repository === '')
      fail(`${at}.repository must be a repository name`);
    if (d.tag !== null && typeof d.tag !== 'string') fail(`${at}.tag must be a tag or null`);
    if (typeof d.digest !== 'string' || !DIGEST.test(d.digest))
      fail(`${at}.digest must be a digest such as sha256:<64 hex>`);
    if (!ACTIONS.includes(d.action as Action)) fail(`${at}.action must be one of ${ACTIONS.join(', ')}`);
    if (!Array.isArray(d.reasons) || d.reasons.some((r) => typeof r !== 'string'))
      fail(`${at}.reasons must be a list of strings`);
    if (d.action === 'untag' && d.tag === null) fail(`${at}: untag needs a tag`);
  });
  return plan;
}
