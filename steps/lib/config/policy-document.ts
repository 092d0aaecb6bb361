import yaml from 'js-yaml';
import { UsageError } from '../errors.js';
import { loadYaml } from './load.js';

/**
 * A policy file's document: YAML with the core schema (maps, lists and scalars; dates stay the strings people
 * wrote), any parse failure one line naming the file and the line.
 */
export function loadPolicyDocument(text: string, source: string): unknown {
  try {
    return loadYaml(text, { schema: yaml.CORE_SCHEMA, filename: source });
  } catch (err) {
    const reason =
      err instanceof yaml.YAMLException ? `${err.reason} at line ${(err.mark?.line ?? 0) + 1}` : String(err);
    throw new UsageError(`${source}: not valid YAML (${reason})`);
  }
}

/**
 * What a policy held where something else was expected, for the error message. Short values are shown (they
 * are the policy's own); long text is not, since --policy may point at a file that is not a policy at all and
 * its content stays private.
 */
export function describeFound(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string' && value.length > 24) return `a string of ${value.length} characters`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
