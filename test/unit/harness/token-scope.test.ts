import { grantAccess, parseScopes, scopeKey } from '../../helpers/token-scope.js';

test('scopes come repeated or space-separated; the name keeps its colons', () => {
  expect(
    parseScopes(['repository:team/app:pull,push registry:catalog:*', 'repository:localhost:5000/x:pull']),
  ).toEqual([
    { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
    { type: 'registry', name: 'catalog', actions: ['*'] },
    { type: 'repository', name: 'localhost:5000/x', actions: ['pull'] },
  ]);
  expect(() => parseScopes(['repository'])).toThrow(/malformed scope "repository"/);
  expect(() => parseScopes(['repository:x'])).toThrow(/malformed scope/);
});

test('a grant is the requested actions the user may perform; empty resources are dropped', () => {
  const requested = parseScopes(['repository:a:pull,push,delete', 'registry:catalog:*']);
  expect(grantAccess(requested, ['pull'])).toEqual([{ type: 'repository', name: 'a', actions: ['pull'] }]);
  expect(grantAccess(requested, ['pull', 'push', 'delete', '*'])).toEqual(requested);
  expect(grantAccess(requested, [])).toEqual([]);
});

test('scopeKey writes a scope back as requested', () => {
  expect(scopeKey({ type: 'repository', name: 'a/b', actions: ['push', 'pull'] })).toBe(
    'repository:a/b:push,pull',
  );
});
