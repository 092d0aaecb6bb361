import { UsageError, errorMessage } from '../errors.js';
import { parseReference, validateDigest, validateTag } from '../oci/reference.js';
import { parseCanaryResult, type CanaryResult } from '../pipelinerun/canary.js';
import { parseScanSummary, type ScanSummary } from '../pipelinerun/scan-summary.js';
import {
  failedTasks,
  outcomeOf,
  parseRunStatus,
  parseTaskStates,
  type Outcome,
  type RunStatus,
  type TaskState,
} from '../pipelinerun/status.js';
import { parseJson } from '../config/load.js';

/** Everything one notification says about a finished PipelineRun, validated. */
export interface RunReport {
  pipelineRun: string;
  namespace?: string;
  uid?: string;
  pipeline?: string;
  application?: string;
  environment?: string;
  status: RunStatus;
  outcome: Outcome;
  image?: string;
  digest?: string;
  tags: string[];
  scan?: ScanSummary;
  canary?: CanaryResult;
  tasks: TaskState[];
  failedTasks: string[];
  /** The run in the dashboard. */
  url?: string;
}

export interface ReportInput {
  pipelineRun: string;
  namespace?: string;
  uid?: string;
  pipeline?: string;
  application?: string;
  environment?: string;
  status: string;
  taskStatus: readonly string[];
  image?: string;
  digest?: string;
  tags?: string;
  scanSummary?: string;
  canaryResult?: string;
  dashboardUrl?: string;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const UID = /^[A-Za-z0-9-]{1,64}$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Tekton passes unset params as "": treat empty strings as absent. */
function given(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function buildReport(command: string, input: ReportInput): RunReport {
  const check = (
    flag: string,
    value: string | undefined,
    pattern: RegExp,
    what: string,
  ): string | undefined => {
    const v = given(value);
    if (v !== undefined && !pattern.test(v))
      throw new UsageError(`${command}: --${flag} must be ${what}, got "${v}"`);
    return v;
  };
  const pipelineRun = check('pipeline-run', input.pipelineRun, DNS_SUBDOMAIN, 'a PipelineRun name');
  if (!pipelineRun) throw new UsageError(`${command}: --pipeline-run is required`);
  const status = parseRunStatus(command, input.status);
  const tasks = parseTaskStates(command, input.taskStatus);
  const namespace = check('namespace', input.namespace, DNS_LABEL, 'a namespace name');
  const uid = check('pipeline-run-uid', input.uid, UID, 'a Kubernetes uid');
  const pipeline = check('pipeline', input.pipeline, DNS_SUBDOMAIN, 'a Pipeline name');
  const report: RunReport = {
    pipelineRun,
    ...(namespace ? { namespace } : {}),
    ...(uid ? { uid } : {}),
    ...(pipeline ? { pipeline } : {}),
    status,
    outcome: outcomeOf(status),
    tags: parseTags(command, input.tags),
    tasks,
    failedTasks: failedTasks(tasks),
  };
  const application = check(
    'application',
    input.application,
    LABEL_VALUE,
    'a label value (letters, digits, -_.)',
  );
  const environment = check(
    'environment',
    input.environment,
    LABEL_VALUE,
    'a label value (letters, digits, -_.)',
  );
  if (application) report.application = application;
  if (environment) report.environment = environment;
  const image = given(input.image);
  if (image) report.image = rethrowAs(command, 'image', () => parseReference(image).toString());
  const digest = given(input.digest);
  if (digest) {
    rethrowAs(command, 'digest', () => validateDigest(digest));
    report.digest = digest;
  }
  const scan = parseScanSummary(command, input.scanSummary);
  if (scan) report.scan = scan;
  const canary = parseCanaryResult(input.canaryResult);
  if (canary) report.canary = canary;
  const template = given(input.dashboardUrl);
  if (template) report.url = dashboardLink(command, template, report);
  return report;
}

function rethrowAs<T>(command: string, flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError(`${command}: --${flag}: ${errorMessage(err)}`);
  }
}

/** Tags come from a result: comma or space separated, or a JSON array. */
export function parseTags(command: string, value: string | undefined): string[] {
  const text = given(value);
  if (!text) return [];
  let tags: unknown[];
  if (text.startsWith('[')) {
    try {
      tags = parseJson(text) as unknown[];
    } catch {
      throw new UsageError(`${command}: --tags starts like a JSON array but is not valid JSON`);
    }
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) {
      throw new UsageError(`${command}: --tags as JSON must be an array of strings`);
    }
  } else {
    tags = text.split(/[\s,]+/).filter(Boolean);
  }
  const unique = [...new Set(tags as string[])];
  for (const tag of unique) rethrowAs(command, 'tags', () => validateTag(tag));
  return unique;
}

const PLACEHOLDERS = ['namespace', 'pipelinerun', 'uid', 'pipeline'] as const;

/**
 * The dashboard link: a URL template with {namespace}, {pipelinerun}, {uid} and {pipeline}, so one
 * Task default serves the OpenShift console and the Tekton Dashboard alike.
 */
export function dashboardLink(command: string, template: string, report: RunReport): string {
  const values: Record<(typeof PLACEHOLDERS)[number], string | undefined> = {
    namespace: report.namespace,
    pipelinerun: report.pipelineRun,
    uid: report.uid,
    pipeline: report.pipeline,
  };
  const link = template.replace(/\{([a-z]+)\}/g, (whole, name: string) => {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new UsageError(
        `${command}: --dashboard-url has unknown placeholder ${whole}; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      );
    }
    const value = values[name as (typeof PLACEHOLDERS)[number]];
    if (value === undefined)
      throw new UsageError(`${command}: --dashboard-url uses ${whole} but --${flagFor(name)} is not set`);
    return encodeURIComponent(value);
  });
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new UsageError(`${command}: --dashboard-url must be an absolute http(s) URL, got "${template}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${command}: --dashboard-url must be an http(s) URL, got "${template}"`);
  }
  return url.toString();
}

function flagFor(placeholder: string): string {
  return placeholder === 'pipelinerun'
    ? 'pipeline-run'
    : placeholder === 'uid'
      ? 'pipeline-run-uid'
      : placeholder;
}
