import { readFileSync } from 'node:fs';
import { shown, shownJson } from '../deploy/flags.js';
import { UsageError } from '../errors.js';
import { parseDuration } from '../runner/duration.js';
import { ExprError, parseCondition, type Condition } from './expr.js';
import { loadYaml } from '../config/load.js';

/**
 * The canary strategy, in the vocabulary of Argo Rollouts' canary steps:
 *   - setWeight: 10
 *   - pause: {duration: 30s}
 *   - analyze: {templates: [error-rate]}     (or {metrics: [...]} inline, or {} for every template)
 */
export type CanaryStep =
  | { kind: 'setWeight'; weight: number }
  | { kind: 'pause'; durationMs: number }
  | { kind: 'analyze'; metrics: Metric[] };

export interface Metric {
  name: string;
  /** PromQL, with {{namespace}}, {{stable.deployment}}, {{canary.deployment}}, {{canary.service}}, {{stable.service}} filled in. */
  query: string;
  successCondition?: Condition;
  failureCondition?: Condition;
  intervalMs: number;
  /** Measurements that must be taken (errors do not count). */
  count: number;
  /** Failed measurements tolerated; one more fails the metric. */
  failureLimit: number;
  /** Consecutive errors (query failed) tolerated; one more makes the metric an error. */
  consecutiveErrorLimit: number;
  /** Inconclusive measurements (no data, or neither condition met) tolerated. */
  inconclusiveLimit: number;
  /** What an inconclusive metric means for the canary: abort (the default) or carry on. */
  onInconclusive: 'abort' | 'continue';
}

export interface AnalysisConfig {
  templates: Metric[];
  /** Canary container restarts tolerated over the whole canary; one more aborts. */
  maxRestarts: number;
}

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A flag value that is YAML/JSON text, or `@path` to a file holding it. */
export function readDocument(flag: string, value: string): unknown {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(
        `--${flag} ${shown(value)}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  try {
    return loadYaml(text);
  } catch (err) {
    throw new UsageError(`--${flag}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

function integer(where: string, value: unknown, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${where} must be an integer from ${min} to ${max}, got ${shownJson(value)}`);
  }
  return value;
}

/** Argo accepts "30s", "1m" or a number of seconds. */
function duration(where: string, value: unknown, fallbackMs?: number): number {
  if (value === undefined && fallbackMs !== undefined) return fallbackMs;
  const ms =
    typeof value === 'number' && value >= 0
      ? value * 1000
      : typeof value === 'string'
        ? parseDuration(value)
        : undefined;
  if (ms === undefined || !Number.isFinite(ms))
    throw new UsageError(
      `${where} must be a duration such as 30s, 2m or a number of seconds, got ${shownJson(value)}`,
    );
  return ms;
}

function condition(where: string, value: unknown): Condition | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !value.trim())
    throw new UsageError(`${where} must be an expression such as "result < 0.05"`);
  try {
    return parseCondition(value);
  } catch (err) {
    if (err instanceof ExprError) throw new UsageError(`${where} ${shownJson(value)}: ${err.message}`);
    throw err;
  }
}

const METRIC_KEYS = new Set([
  'name',
  'query',
  'successCondition',
  'failureCondition',
  'interval',
  'count',
  'failureLimit',
  'consecutiveErrorLimit',
  'inconclusiveLimit',
  'onInconclusive',
]);

function metric(where: string, doc: unknown): Metric {
  if (!isObject(doc)) throw new UsageError(`${where} must be an object with name, query and a condition`);
  const unknown = Object.keys(doc).find((k) => !METRIC_KEYS.has(k));
  if (unknown)
    throw new UsageError(
      `${where}: unknown field ${shownJson(unknown)} (fields: ${[...METRIC_KEYS].join(', ')})`,
    );
  if (typeof doc.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(doc.name))
    throw new UsageError(`${where}.name must be a lowercase name such as error-rate`);
  const at = `${where} (${doc.name})`;
  if (typeof doc.query !== 'string' || !doc.query.trim())
    throw new UsageError(`${at}.query must be a PromQL query`);
  const successCondition = condition(`${at}.successCondition`, doc.successCondition);
  const failureCondition = condition(`${at}.failureCondition`, doc.failureCondition);
  if (!successCondition && !failureCondition)
    throw new UsageError(`${at} needs a successCondition or a failureCondition`);
  const onInconclusive = doc.onInconclusive ?? 'abort';
  if (onInconclusive !== 'abort' && onInconclusive !== 'continue')
    throw new UsageError(`${at}.onInconclusive must be abort or continue`);
  return {
    name: doc.name,
    query: doc.query,
    ...(successCondition ? { successCondition } : {}),
    ...(failureCondition ? { failureCondition } : {}),
    intervalMs: duration(`${at}.interval`, doc.interval, 10_000),
    count: integer(`${at}.count`, doc.count, 1, 1000, 1),
    failureLimit: integer(`${at}.failureLimit`, doc.failureLimit, 0, 1000, 0),
    consecutiveErrorLimit: integer(`${at}.consecutiveErrorLimit`, doc.consecutiveErrorLimit, 0, 1000, 4),
    inconclusiveLimit: integer(`${at}.inconclusiveLimit`, doc.inconclusiveLimit, 0, 1000, 0),
    onInconclusive,
  };
}

/** The --analysis document: `{templates: [...], maxRestarts: 0}`, or just the list of templates. */
export function parseAnalysis(doc: unknown): AnalysisConfig {
  if (doc === undefined || doc === null || doc === '') return { templates: [], maxRestarts: 0 };
  const root = Array.isArray(doc) ? { templates: doc } : doc;
  if (!isObject(root))
    throw new UsageError(
      '--analysis must be {templates: [...], maxRestarts: N} or a list of metric templates',
    );
  const unknown = Object.keys(root).find((k) => k !== 'templates' && k !== 'maxRestarts');
  if (unknown)
    throw new UsageError(`--analysis: unknown field ${shownJson(unknown)} (fields: templates, maxRestarts)`);
  const list = root.templates ?? [];
  if (!Array.isArray(list)) throw new UsageError('--analysis templates must be a list');
  const templates = list.map((t, i) => metric(`--analysis templates[${i}]`, t));
  const seen = new Set<string>();
  for (const t of templates) {
    if (seen.has(t.name)) throw new UsageError(`--analysis: template "${t.name}" is defined twice`);
    seen.add(t.name);
  }
  return { templates, maxRestarts: integer('--analysis maxRestarts', root.maxRestarts, 0, 1000, 0) };
}

function templateName(where: string, entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (isObject(entry) && typeof entry.templateName === 'string') return entry.templateName;
  throw new UsageError(`${where} must be a template name or {templateName: NAME}`);
}

function analyzeStep(where: string, body: unknown, analysis: AnalysisConfig): CanaryStep {
  const doc = body ?? {};
  if (!isObject(doc)) throw new UsageError(`${where} must be {templates: [...]}, {metrics: [...]} or {}`);
  const inline = Array.isArray(doc.metrics)
    ? doc.metrics.map((m, i) => metric(`${where}.metrics[${i}]`, m))
    : [];
  const names =
    doc.templates === undefined
      ? []
      : Array.isArray(doc.templates)
        ? doc.templates.map((t, i) => templateName(`${where}.templates[${i}]`, t))
        : undefined;
  if (names === undefined) throw new UsageError(`${where}.templates must be a list of template names`);
  const referenced = names.map((name) => {
    const found = analysis.templates.find((t) => t.name === name);
    if (!found)
      throw new UsageError(
        `${where} names template ${shownJson(name)}, which --analysis does not define (defined: ${analysis.templates.map((t) => t.name).join(', ') || 'none'})`,
      );
    return found;
  });
  const metrics =
    doc.templates === undefined && doc.metrics === undefined
      ? analysis.templates
      : [...referenced, ...inline];
  if (metrics.length === 0)
    throw new UsageError(
      `${where} has no metric to measure: define templates in --analysis or metrics inline`,
    );
  return { kind: 'analyze', metrics };
}

/** The --steps list, checked whole before anything changes in the cluster. */
export function parseSteps(doc: unknown, analysis: AnalysisConfig): CanaryStep[] {
  if (!Array.isArray(doc) || doc.length === 0)
    throw new UsageError(
      '--steps must be a non-empty list such as [{setWeight: 10}, {pause: {duration: 30s}}, {setWeight: 50}]',
    );
  return doc.map((entry, i): CanaryStep => {
    const where = `--steps[${i}]`;
    if (!isObject(entry) || Object.keys(entry).length !== 1)
      throw new UsageError(`${where} must have exactly one of setWeight, pause, analyze`);
    const [key, body] = Object.entries(entry)[0] as [string, unknown];
    switch (key) {
      case 'setWeight':
        return { kind: 'setWeight', weight: integer(`${where}.setWeight`, body, 0, 100) };
      case 'pause': {
        if (!isObject(body) || body.duration === undefined) {
          throw new UsageError(
            `${where}.pause needs a duration: an indefinite pause waits for a person, which a pipeline step cannot`,
          );
        }
        return { kind: 'pause', durationMs: duration(`${where}.pause.duration`, body.duration) };
      }
      case 'analyze':
      case 'analysis':
        return analyzeStep(`${where}.${key}`, body, analysis);
      default:
        throw new UsageError(`${where}: unknown step ${shownJson(key)} (steps: setWeight, pause, analyze)`);
    }
  });
}

export interface QueryContext {
  namespace: string;
  stableDeployment: string;
  canaryDeployment: string;
  stableService?: string;
  canaryService?: string;
}

/** Fills the {{...}} placeholders of a query; an unknown one is refused rather than sent to Prometheus. */
export function renderQuery(query: string, context: QueryContext): string {
  const values: Record<string, string | undefined> = {
    namespace: context.namespace,
    'stable.deployment': context.stableDeployment,
    'canary.deployment': context.canaryDeployment,
    'stable.service': context.stableService,
    'canary.service': context.canaryService,
  };
  return query.replace(/\{\{\s*([a-z.]+)\s*\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new UsageError(
        `query placeholder ${whole} has no value here (known: ${Object.keys(values)
          .map((k) => `{{${k}}}`)
          .join(', ')})`,
      );
    return value;
  });
}
