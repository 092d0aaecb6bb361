import fc from 'fast-check';
import { InfraError } from '../../../steps/lib/errors.js';
import { nextLink } from '../../../steps/lib/oci/link.js';

const BASE = 'https://registry.example.com/v2/team/app/tags/list?n=50';

const pathChar = fc.constantFrom(...'abcz09-_./'.split(''));
const queryValue = fc.string({ unit: fc.constantFrom(...'abc09-_.,;= '.split('')), maxLength: 10 });
/** A link target as registries send them: a relative path with a query whose values may hold , ; and =. */
const target = fc
  .tuple(fc.string({ unit: pathChar, maxLength: 20 }), queryValue)
  .map(([path, last]) => `/v2/${path}?last=${encodeURIComponent(last)}&n=50`);
const otherRel = fc.constantFrom('prev', 'first', 'last', 'alternate', 'nextish', 'pre-next');
const param = fc.constantFrom('', '; type="text/plain"', '; title="a, b; c"', '; anchor="#x"');
const rel = (value: string, quoted: boolean) => (quoted ? `rel="${value}"` : `rel=${value}`);

describe('nextLink properties', () => {
  test('finds the rel="next" target among other links and parameters, resolved against the request URL', () => {
    const header = fc.record({
      before: fc.array(fc.tuple(target, otherRel, param, fc.boolean()), { maxLength: 3 }),
      next: target,
      nextParam: param,
      quoted: fc.boolean(),
      after: fc.array(fc.tuple(target, otherRel, param, fc.boolean()), { maxLength: 3 }),
      spaces: fc.constantFrom('', ' ', '  '),
    });
    fc.assert(
      fc.property(header, ({ before, next, nextParam, quoted, after, spaces }) => {
        const other = ([t, r, p, q]: [string, string, string, boolean]) => `<${t}>;${spaces}${rel(r, q)}${p}`;
        const links = [
          ...before.map(other),
          `<${next}>${spaces};${spaces}${rel('next', quoted)}${nextParam}`,
          ...after.map(other),
        ];
        expect(nextLink(links.join(`,${spaces}`), BASE)).toBe(new URL(next, BASE).toString());
      }),
      { numRuns: 2000 },
    );
  });

  test('a rel list naming next counts; a header without next gives nothing', () => {
    fc.assert(
      fc.property(target, otherRel, (t, r) => {
        expect(nextLink(`<${t}>; rel="${r} next"`, BASE)).toBe(new URL(t, BASE).toString());
        expect(nextLink(`<${t}>; rel="${r}"`, BASE)).toBeUndefined();
      }),
    );
  });

  test('a next link that is no URL is an infrastructure failure in one line, not a crash nor a silently short listing', () => {
    for (const header of [
      '<http://[>; rel="next"',
      '<http://a b>; rel=next',
      '<http://x:99999/>; rel=next',
    ]) {
      expect(() => nextLink(header, BASE)).toThrow(InfraError);
      expect(() => nextLink(header, BASE)).toThrow(
        /^the registry sent a Link header whose next page ".*" is not a URL$/,
      );
    }
  });

  test('whatever the registry sends, the answer is a URL, nothing, or that InfraError', () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({
        unit: fc.constantFrom(
          '<',
          '>',
          ';',
          ',',
          '"',
          '=',
          ' ',
          'r',
          'e',
          'l',
          'n',
          'x',
          't',
          ':',
          '/',
          '[',
          '%',
          'h',
          'p',
        ),
        maxLength: 80,
      }),
      fc.string({ maxLength: 40 }).map((t) => `<${t}>; rel="next"`),
    );
    fc.assert(
      fc.property(junk, (header) => {
        try {
          const found = nextLink(header, BASE);
          if (found !== undefined) expect(() => new URL(found)).not.toThrow();
        } catch (err) {
          expect(err).toBeInstanceOf(InfraError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
