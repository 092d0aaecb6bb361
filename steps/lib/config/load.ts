import yaml from 'js-yaml';
import { findJsonKeyProblem } from './json-keys.js';

/**
 * Loaders for the YAML and JSON that people hand to steps (policies, templates, pipelines, reports, docker
 * config). They parse like js-yaml and JSON.parse, and also refuse what those accept silently:
 * - alias bombs ("billion laughs"): a few hundred bytes of anchors that expand to billions of nodes as soon
 *   as anything walks the document;
 * - JSON with a key twice, where the parser keeps the last value and the reader never learns there was a
 *   first one (YAML's duplicate keys are already an error in js-yaml);
 * - `__proto__` keys, which a later object merge would turn into a prototype change.
 * Failures throw yaml.YAMLException (YAML) or SyntaxError (JSON) with a one-line message, the same classes
 * the plain parsers throw, so callers keep their own wording around them.
 */

export interface YamlOptions {
  /** js-yaml's schema; CORE_SCHEMA keeps timestamps as strings. Default: js-yaml's default schema. */
  schema?: yaml.Schema;
  /** Shown in js-yaml's messages. */
  filename?: string;
}

/** Nodes a document may expand to through aliases: the text's own size (at most one node a byte) and room to spare. */
function nodeBudget(text: string): number {
  return 10_000 + 10 * text.length;
}

export function loadYaml(text: string, options: YamlOptions = {}): unknown {
  const doc = yaml.load(text, options);
  checkDocument(doc, text);
  return doc;
}

export function loadYamlAll(text: string, options: YamlOptions = {}): unknown[] {
  const docs: unknown[] = [];
  yaml.loadAll(text, (doc) => docs.push(doc), options);
  checkDocument(docs, text);
  return docs;
}

export function parseJson(text: string): unknown {
  const doc: unknown = JSON.parse(text);
  const problem = findJsonKeyProblem(text);
  if (problem) throw new SyntaxError(problem);
  return doc;
}

/** Walks the document as a reader would, stopping once it has seen more nodes than the text could hold. */
function checkDocument(doc: unknown, text: string): void {
  const budget = nodeBudget(text);
  const pending: unknown[] = [doc];
  let seen = 0;
  while (pending.length > 0) {
    const node = pending.pop();
    if (++seen > budget) {
      throw yamlError(
        `aliases expand to more than ${budget} nodes (an alias bomb?); write the values out instead`,
        firstAliasLine(text),
      );
    }
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(node, '__proto__')) {
      throw yamlError('the key "__proto__" is not allowed', lineOf(text, /^\s*["']?__proto__["']?\s*:/m));
    }
    for (const value of Object.values(node)) pending.push(value);
  }
}

function yamlError(reason: string, line: number): yaml.YAMLException {
  // A mark with a line is what js-yaml's own errors carry; callers print its line.
  const mark = { line, column: 0, buffer: '', name: '', position: 0, snippet: '' };
  return new yaml.YAMLException(reason, mark);
}

function firstAliasLine(text: string): number {
  return lineOf(text, /(?:^|[\s[{,:-])\*[^\s,\]}]/m);
}

/** 0-based line of the first match, 0 when there is none. */
function lineOf(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  return match ? text.slice(0, match.index + match[0].length - 1).split('\n').length - 1 : 0;
}
