/** Runs at most `limit` of the functions handed to it at once; the rest wait in order. */
export function createLimiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    active--;
    waiting.shift()?.();
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/** Maps with bounded concurrency, keeping the input order in the output. Fails with the first error. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` once per key and hands every caller of that key the same promise, so concurrent callers
 * share one request instead of racing (a registry rewrites a blob's link on each mount). A failure is
 * forgotten, so a later call tries again, unless `keepFailures` makes it the answer for that key too.
 */
export function onceByKey<T>(
  options: { keepFailures?: boolean } = {},
): (key: string, work: () => Promise<T>) => Promise<T> {
  const running = new Map<string, Promise<T>>();
  return (key, work) => {
    let promise = running.get(key);
    if (!promise) {
      promise = work();
      if (!options.keepFailures) promise.catch(() => running.delete(key));
      running.set(key, promise);
    }
    return promise;
  };
}
