import { UsageError } from '../errors.js';
import { isClairReport, parseClair } from './clair.js';
import type { ScanReport } from './finding.js';
import { isGrypeReport, parseGrype } from './grype.js';
import { isObject, parseJsonText } from './json-input.js';
import { isTrivyReport, parseTrivy } from './trivy.js';

export interface ReportInput {
  /** File name (or any label) used in messages. */
  source: string;
  text: string;
  /** Platform the report covers (os/arch[/variant]), when the caller knows better than the report. */
  platform?: string;
}

/** Detects the scanner that wrote a report and normalizes it; unknown formats are usage errors. */
export function parseScanReport(input: ReportInput): ScanReport {
  const doc = parseJsonText(input.text, input.source);
  if (isTrivyReport(doc)) return parseTrivy(doc, input.source, input.platform);
  if (isGrypeReport(doc)) return parseGrype(doc, input.source, input.platform);
  if (isClairReport(doc)) return parseClair(doc, input.source, input.platform);
  throw new UsageError(
    `${input.source}: not a report format scan-gate reads (${describe(doc)}); expected Trivy JSON (SchemaVersion 2), Grype JSON or a Clair v4 vulnerability report`,
  );
}

function describe(doc: unknown): string {
  if (Array.isArray(doc)) return 'a JSON array, as written by Trivy before 0.20';
  if (!isObject(doc)) return `a JSON ${doc === null ? 'null' : typeof doc}`;
  if ('$schema' in doc && 'runs' in doc) return "a SARIF log; give the scanner's own JSON instead";
  if ('bomFormat' in doc || 'spdxVersion' in doc) return 'an SBOM, not a vulnerability report';
  const keys = Object.keys(doc).slice(0, 5);
  return keys.length ? `top-level keys ${keys.join(', ')}` : 'an empty object';
}

// The OS must be one Go knows (as in OCI platforms), so a relative path such as reports/a=b.json is never taken for one.
const PLATFORM =
  /^(linux|windows|darwin|freebsd|netbsd|openbsd|dragonfly|solaris|illumos|aix|android|ios|plan9|js|wasip1)\/[a-z0-9_]+(\/[a-z0-9.]+)?$/;

/** Splits a `--report` value: `path`, or `os/arch[/variant]=path` for one platform of a multi-arch image. */
export function splitReportArg(value: string): { path: string; platform?: string } {
  const eq = value.indexOf('=');
  if (eq > 0 && PLATFORM.test(value.slice(0, eq)))
    return { platform: value.slice(0, eq), path: value.slice(eq + 1) };
  return { path: value };
}
