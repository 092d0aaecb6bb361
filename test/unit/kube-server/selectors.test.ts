import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  requirementsOf,
  SelectorError,
} from '../../kube-server/selectors.js';

const labels = { app: 'web', tier: 'frontend', 'example.com/track': 'canary' };
const matches = (selector: string) => matchesLabels(parseLabelSelector(selector), labels);

describe('label selectors', () => {
  test.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['tier in (frontend, backend)', true],
    ['tier in (backend)', false],
    ['tier notin (backend)', true],
    ['missing notin (x)', true],
    ['example.com/track', true],
    ['!example.com/track', false],
    ['!missing', true],
    ['app=web,tier in (frontend),!missing', true],
    ['app=web,tier=backend', false],
    ['', true],
  ])('%s → %s', (selector, expected) => {
    expect(matches(selector)).toBe(expected);
  });

  test('malformed requirements are refused with the requirement named', () => {
    expect(() => parseLabelSelector('app in (a')).toThrow(SelectorError);
    expect(() => parseLabelSelector('-bad=x')).toThrow(/invalid label key "-bad"/);
    expect(() => parseLabelSelector('app=in valid')).toThrow(SelectorError);
  });

  test('LabelSelector objects become the same requirements', () => {
    const reqs = requirementsOf({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['frontend'] },
        { key: 'gone', operator: 'DoesNotExist' },
      ],
    });
    expect(matchesLabels(reqs, labels)).toBe(true);
    expect(matchesLabels(reqs, { app: 'web', tier: 'frontend', gone: 'x' })).toBe(false);
  });
});

describe('field selectors', () => {
  const supported = ['metadata.name', 'involvedObject.name', 'status.phase'];
  const values: Record<string, string> = {
    'metadata.name': 'web-1',
    'involvedObject.name': 'web',
    'status.phase': 'Running',
  };

  test('=, == and != combine with AND', () => {
    const reqs = parseFieldSelector(
      'involvedObject.name=web,status.phase!=Pending,metadata.name==web-1',
      supported,
    );
    expect(matchesFields(reqs, (f) => values[f] ?? '')).toBe(true);
    expect(matchesFields(parseFieldSelector('status.phase=Pending', supported), (f) => values[f] ?? '')).toBe(
      false,
    );
  });

  test('an unsupported field is refused as the server refuses it', () => {
    expect(() => parseFieldSelector('spec.foo=bar', supported)).toThrow(
      'field label not supported: spec.foo',
    );
  });
});
