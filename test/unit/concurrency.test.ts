import { createLimiter, mapLimit, onceByKey } from '../../steps/lib/concurrency.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createLimiter', () => {
  test('runs at most the limit at once, and the rest in order', async () => {
    const limit = createLimiter(2);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((n) =>
        limit(async () => {
          started.push(n);
          peak = Math.max(peak, ++active);
          await tick();
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  test('refuses a limit that is not a positive integer', () => {
    expect(() => createLimiter(0)).toThrow(/positive integer, got 0/);
  });
});

test('mapLimit keeps the input order in its output', async () => {
  const out = await mapLimit([30, 10, 20], 3, async (n, i) => {
    await new Promise((resolve) => setTimeout(resolve, n));
    return `${i}:${n}`;
  });
  expect(out).toEqual(['0:30', '1:10', '2:20']);
});

describe('onceByKey', () => {
  test('callers of one key share one run; another key runs on its own', async () => {
    const once = onceByKey<object>();
    let runs = 0;
    const work = async () => {
      runs++;
      await tick();
      return {};
    };
    const [a, b, c] = await Promise.all([once('x', work), once('x', work), once('y', work)]);
    expect(runs).toBe(2);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  test('a failure is forgotten, so the next call runs again', async () => {
    const once = onceByKey<number>();
    await expect(once('x', () => Promise.reject(new Error('flaky')))).rejects.toThrow('flaky');
    await expect(once('x', async () => 7)).resolves.toBe(7);
  });

  test('with keepFailures, the failure is the answer for the key', async () => {
    const once = onceByKey<number>({ keepFailures: true });
    await expect(once('x', () => Promise.reject(new Error('missing')))).rejects.toThrow('missing');
    await expect(once('x', async () => 7)).rejects.toThrow('missing');
  });
});
