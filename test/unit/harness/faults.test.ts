import { faultChooser, seededRandom, type RequestInfo } from '../../helpers/faults.js';

const request = (index: number, method = 'GET'): RequestInfo => ({
  index,
  method,
  path: `/v2/x/manifests/${index}`,
  headers: {},
});

test('an array script is consumed one entry per request, undefined passing through, then everything passes', () => {
  const choose = faultChooser({ script: ['503', undefined, { kind: '429', retryAfterSeconds: 3 }] });
  expect([0, 1, 2, 3, 4].map((i) => choose(request(i)))).toEqual([
    { kind: '503' },
    undefined,
    { kind: '429', retryAfterSeconds: 3 },
    undefined,
    undefined,
  ]);
});

test('a function script decides from the request', () => {
  const choose = faultChooser({ script: (r) => (r.method === 'PUT' ? 'reset' : undefined) });
  expect(choose(request(0, 'PUT'))).toEqual({ kind: 'reset' });
  expect(choose(request(1, 'GET'))).toBeUndefined();
});

test('a seeded plan is reproducible and close to its rate; options reach the faults', () => {
  const plan = { seed: 7, rate: 0.2, kinds: ['delay', '429'] as const, delayMs: 12, retryAfterSeconds: 2 };
  const run = (): unknown[] => {
    const choose = faultChooser({ ...plan, kinds: [...plan.kinds] });
    return Array.from({ length: 2000 }, (_, i) => choose(request(i)));
  };
  const first = run();
  expect(run()).toEqual(first);
  const hits = first.filter(Boolean);
  expect(hits.length / first.length).toBeGreaterThan(0.16);
  expect(hits.length / first.length).toBeLessThan(0.24);
  expect(new Set(hits.map((fault) => JSON.stringify(fault)))).toEqual(
    new Set([
      JSON.stringify({ kind: 'delay', ms: 12 }),
      JSON.stringify({ kind: '429', retryAfterSeconds: 2 }),
    ]),
  );
});

test('different seeds give different sequences', () => {
  const a = seededRandom(1);
  const b = seededRandom(2);
  expect(Array.from({ length: 5 }, a)).not.toEqual(Array.from({ length: 5 }, b));
});

test('no plan means no faults; a bad rate or empty kinds is refused', () => {
  expect(faultChooser(undefined)(request(0))).toBeUndefined();
  expect(() => faultChooser({ seed: 1, rate: 1.5, kinds: ['503'] })).toThrow(/rate must be between 0 and 1/);
  expect(() => faultChooser({ seed: 1, rate: 0.5, kinds: [] })).toThrow(/at least one kind/);
});
