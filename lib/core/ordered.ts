/**
 * Ordered, bounded concurrency over iterables: the engine of `migrateMany` and of file
 * migration.
 *
 * @since 0.1.0
 */

/** Anything `for await` can walk. */
export type AnySource<T> = Iterable<T> | AsyncIterable<T>;

const iteratorOf = <T>(source: AnySource<T>): Iterator<T> | AsyncIterator<T> =>
  Symbol.asyncIterator in source
    ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (source as Iterable<T>)[Symbol.iterator]();

/**
 * Applies `fn` to every item of `source` with at most `concurrency` calls in flight, and
 * yields the results in input order. The source is pulled only when a slot is free, so at
 * most `concurrency` items are held at a time (backpressure for streams and cursors). A
 * rejected promise from `fn` ends the iteration with that error; make `fn` return errors as
 * values (an `Either`) to keep going past bad items.
 *
 * @example
 * for await (const r of orderedMap(ids, (id) => fetchState(id), 8)) save(r)
 */
export async function* orderedMap<T, R>(
  source: AnySource<T>,
  fn: (item: T, index: number) => R | Promise<R>,
  concurrency = 1,
): AsyncGenerator<Awaited<R>> {
  const width = Math.max(1, Math.floor(concurrency));
  const iterator = iteratorOf(source);
  const window: Promise<Awaited<R>>[] = [];
  let index = 0;
  let done = false;
  try {
    for (;;) {
      while (!done && window.length < width) {
        const next = await iterator.next();
        if (next.done === true) {
          done = true;
          break;
        }
        const item = next.value;
        const position = index++;
        const pending = Promise.resolve().then(() => fn(item, position)) as Promise<Awaited<R>>;
        // A rejection is re-raised when its turn comes; until then it must not go unhandled.
        pending.catch(() => undefined);
        window.push(pending);
      }
      const head = window.shift();
      if (head === undefined) return;
      yield await head;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}

/**
 * A queue of async calls: each function given to it starts once the one before has settled,
 * in call order (a failure is its caller's, and does not stop the queue).
 *
 * @example
 * const inTurn = serially()
 * await Promise.all([inTurn(() => write(a)), inTurn(() => write(b))]) // a, then b
 * @since 0.1.0
 */
export const serially = (): (<T>(f: () => Promise<T>) => Promise<T>) => {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(f: () => Promise<T>): Promise<T> => {
    const next = last.then(f);
    last = next.catch(() => undefined);
    return next;
  };
};
