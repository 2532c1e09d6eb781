/**
 * Hot-path combinators. fp-ts 2.16's `Either.flatMap` is a `dual` that copies its arguments
 * into a fresh array and allocates a closure on every call; in the executor's fold that was
 * the largest single cost in profiles. `andThen` is the same data-last `chainW`, without that.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';

/** The `Right` of an `Either`, throwing its `Left`: the one step from the core to a throwing facade. */
export const getOrThrow = <A>(result: E.Either<unknown, A>): A => {
  if (E.isLeft(result)) throw result.left;
  return result.right;
};

/** Data-last `chainW` for `Either`: `pipe(ma, andThen(f))` ≡ `pipe(ma, E.flatMap(f))`. */
export const andThen =
  <L2, A, B>(f: (a: A) => E.Either<L2, B>) =>
  <L1>(ma: E.Either<L1, A>): E.Either<L1 | L2, B> =>
    E.isLeft(ma) ? ma : f(ma.right);
