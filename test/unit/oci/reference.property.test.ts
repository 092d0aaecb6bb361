import fc from 'fast-check';
import { UsageError } from '../../../steps/lib/errors.js';
import { parseReference, TAG_PATTERN } from '../../../steps/lib/oci/reference.js';

const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
const alnum = fc.string({ unit: lower, minLength: 1, maxLength: 8 });
const separator = fc.constantFrom('.', '_', '__', '-', '--');
/** A repository path component by the distribution grammar: alnum runs joined by separators. */
const component = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const registry = fc.oneof(
  fc.constantFrom('quay.io', 'registry.example.com', 'localhost', '[::1]'),
  fc
    .tuple(fc.constantFrom('127.0.0.1', 'localhost', 'r.example.com'), fc.integer({ min: 1, max: 65535 }))
    .map(([h, p]) => `${h}:${p}`),
);
const tagChar = fc.constantFrom(...'abcXYZ019_.-'.split(''));
const tag = fc
  .tuple(fc.constantFrom('a', 'Z', '0', '_'), fc.string({ unit: tagChar, maxLength: 127 }))
  .map(([h, t]) => h + t);
const digest = fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`);

/** A valid reference in canonical form (explicit registry), and its parts. */
const canonical = fc.record({
  registry,
  repository: fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/')),
  tag: fc.option(tag, { nil: undefined }),
  digest: fc.option(digest, { nil: undefined }),
});

describe('parseReference properties', () => {
  test('round trip: a canonical reference parses into its parts and prints back as itself', () => {
    fc.assert(
      fc.property(canonical, (parts) => {
        const text = `${parts.registry}/${parts.repository}${parts.tag ? `:${parts.tag}` : ''}${parts.digest ? `@${parts.digest}` : ''}`;
        const ref = parseReference(text);
        expect([ref.registry, ref.repository, ref.tag, ref.digest]).toEqual([
          parts.registry,
          parts.repository,
          parts.tag,
          parts.digest,
        ]);
        expect(ref.toString()).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  test('normalizing is idempotent: printing and parsing again changes nothing', () => {
    // A first component with a dot is a registry host by the grammar, so short names start without one.
    const first = component.filter((c) => !c.includes('.'));
    const shortNames = fc.tuple(
      fc.tuple(first, fc.array(component, { maxLength: 2 })).map(([h, t]) => [h, ...t]),
      fc.option(tag, { nil: undefined }),
    );
    fc.assert(
      fc.property(shortNames, ([parts, t]) => {
        const once = parseReference(`${parts.join('/')}${t ? `:${t}` : ''}`).toString();
        expect(parseReference(once).toString()).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  test('whatever the input, it either parses or throws a one-line UsageError, never anything else', () => {
    const anything = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 100 }),
      fc.string({
        unit: fc.constantFrom('a', 'A', '0', '/', ':', '@', '.', '-', '_', '[', ']', ' ', '$', '('),
        maxLength: 60,
      }),
      canonical
        .map((p) => `${p.registry}/${p.repository}`)
        .chain((base) =>
          fc
            .tuple(fc.nat(base.length), fc.string({ maxLength: 3 }))
            .map(([at, junk]) => base.slice(0, at) + junk + base.slice(at)),
        ),
    );
    fc.assert(
      fc.property(anything, (text) => {
        try {
          const ref = parseReference(text);
          if (ref.tag !== undefined) expect(TAG_PATTERN.test(ref.tag)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          expect((err as Error).message).not.toContain('\n');
          expect((err as Error).message.length).toBeLessThan(600);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
