import { isLabelName } from './exposition.js';

export type GroupingKey = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * The Pushgateway URL path of a group: /metrics/job/<job>/<label>/<value>/... A value that contains a
 * slash, or is empty, cannot be a path segment as is: it goes as `<label>@base64/<base64url of value>`
 * (an empty value is `=`, the Pushgateway's spelling of empty). Other values are percent-encoded.
 */
export function groupingPath(key: GroupingKey): string {
  const [first] = key;
  if (!first || first[0] !== 'job') throw new Error('a grouping key starts with job');
  const segments = key.flatMap(([name, value]) => {
    if (!isLabelName(name)) throw new Error(`invalid grouping label name "${name}"`);
    if (value === '') return [`${name}@base64`, '='];
    if (value.includes('/')) return [`${name}@base64`, Buffer.from(value, 'utf8').toString('base64url')];
    return [name, encodeURIComponent(value)];
  });
  return `/metrics/${segments.join('/')}`;
}
