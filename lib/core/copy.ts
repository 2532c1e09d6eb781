/**
 * The one deep copy `migrate` makes per call, so that step functions may mutate their
 * argument without ever touching the caller's state. A fast recursive copy handles ordinary
 * states; when it meets something unusual (nesting deeper than {@link FAST_COPY_DEPTH}, which
 * includes every cycle, or a non-JSON value) it gives up and an iterative copy (no recursion,
 * so depth is bounded by memory, not by the call stack) redoes the work and reports cycles
 * and non-JSON values with the field path where they were found. The iterative copy copies an
 * object reached by several paths once (a memo), so a graph that shares sub-objects is never
 * expanded exponentially, and it reads every field guarded, so a throwing getter or proxy trap
 * is a `Left`, never a throw.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { StateVersionError } from './errors.js';
import { describeCause } from './describe-cause.js';
import { kindOf, pathSegment } from './show.js';

/** A JSON-like object: the shape of every state migraph handles. */
export type StateObject = { [key: string]: unknown };

/** True for `{}`-style objects (prototype `Object.prototype` or `null`), false for arrays and class instances. */
export const isPlainObject = (value: unknown): value is StateObject => {
  if (typeof value !== 'object' || value === null) return false;
  try {
    if (Array.isArray(value)) return false;
    const proto: unknown = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  } catch {
    // A revoked proxy, or a proxy whose traps throw, is no plain object.
    return false;
  }
};

interface Frame {
  readonly src: StateObject | unknown[];
  readonly dst: StateObject | unknown[];
  readonly keys: readonly string[] | undefined;
  readonly length: number;
  readonly name: string;
  index: number;
}

/** Writes `value` as an own data property, so a key named `__proto__` stays a key. */
const put = (target: StateObject | unknown[], key: string | number, value: unknown): void => {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    (target as StateObject)[key] = value;
  }
};

const pathOf = (stack: readonly Frame[], leaf: string): string =>
  stack
    .slice(1)
    .map((f) => f.name)
    .concat(leaf)
    .join('');

const segment = (frame: Frame, key: string | number): string =>
  pathSegment(key, frame.keys === undefined);

const notJson = (path: string, message: string): StateVersionError =>
  new StateVersionError(`State is not JSON-like at ${path || '(root)'}: ${message}`, {
    reason: 'not_json',
    path: path.replace(/^\./, ''),
  });

/** Arrays longer than this are refused (a sparse `length = 2 ** 32 - 1` would never finish). */
export const MAX_ARRAY_LENGTH = 2 ** 24;

const frameFor = (src: StateObject | unknown[], name: string): Frame => {
  if (Array.isArray(src)) {
    return {
      src,
      dst: new Array<unknown>(src.length),
      keys: undefined,
      length: src.length,
      name,
      index: 0,
    };
  }
  const keys = Object.keys(src);
  const dst: StateObject = Object.getPrototypeOf(src) === null ? Object.create(null) : {};
  return { src, dst, keys, length: keys.length, name, index: 0 };
};

/** Nesting depth up to which the recursive fast path is used. */
export const FAST_COPY_DEPTH = 512;

const BAIL: unique symbol = Symbol('bail');

/** Values the fast copy visits before it leaves a very large (or shared) graph to the slow one. */
const FAST_COPY_BUDGET = 1_000_000;

/** Visits left to a fast copy. */
interface Budget {
  left: number;
}

/** True for values a JSON-like state cannot hold. */
const isForeign = (value: unknown): boolean =>
  typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint';

/**
 * The fast copy. Objects and arrays are first cloned whole (`{ ...value }`, `slice`), which
 * copies their shape as it is, then only nested objects are replaced by their copies. Building
 * copies key by key from `{}` instead would walk the transition tree of the empty object's
 * shape, which a large graph elsewhere in the process (graphlib keys thousands of small
 * objects by version strings) can grow to tens of thousands of entries: that made every later
 * copy about 3x slower. Cloning whole never looks there.
 */
const copyFast = (value: unknown, depth: number, budget: Budget): unknown => {
  if (typeof value !== 'object' || value === null) return isForeign(value) ? BAIL : value;
  if (depth === 0 || --budget.left < 0) return BAIL;
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_LENGTH) return BAIL;
    const out = value.slice();
    for (let i = 0; i < out.length; i++) {
      const item: unknown = out[i];
      if (typeof item === 'object' ? item !== null : isForeign(item)) {
        const copy = copyFast(item, depth - 1, budget);
        if (copy === BAIL) return BAIL;
        out[i] = copy;
      }
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype) {
    if (proto === null) return BAIL;
    return value instanceof Date ? new Date(value.getTime()) : BAIL;
  }
  const out: StateObject = { ...(value as StateObject) };
  // for-in is the fastest key walk here; the prototype is Object.prototype (checked above),
  // so only a polluted Object.prototype could add inherited keys.
  for (const key in out) {
    const item = out[key];
    if (typeof item === 'object' ? item !== null : isForeign(item)) {
      const copy = copyFast(item, depth - 1, budget);
      if (copy === BAIL) return BAIL;
      if (key === '__proto__') put(out, key, copy);
      else out[key] = copy;
    }
  }
  return out;
};

/**
 * Deep-copies a JSON-like object graph. A cycle, a function, a symbol, a bigint, a class
 * instance other than `Date`, an array longer than {@link MAX_ARRAY_LENGTH}, or a field whose
 * getter (or proxy trap) throws gives `Left(StateVersionError)` with reason `not_json` and the
 * field path. Never throws.
 *
 * Complexity: O(size of the state); an object reached by several paths is copied once.
 *
 * @example
 * copyState({ a: [1, { b: 2 }] }) // Right({ a: [1, { b: 2 }] }), a fresh object graph
 * @since 0.1.0
 */
export const copyState = (root: StateObject): E.Either<StateVersionError, StateObject> => {
  let fast: unknown;
  try {
    fast = copyFast(root, FAST_COPY_DEPTH, { left: FAST_COPY_BUDGET });
  } catch {
    fast = BAIL;
  }
  return fast === BAIL ? copySlow(root) : E.right(fast as StateObject);
};

/** `Array.isArray`, false for a proxy whose check throws (a revoked one). */
const isArray = (value: unknown): value is unknown[] => {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
};

/** Reads `src[key]`, or the reason it could not be read. */
const guarded = <A>(read: () => A): { ok: true; value: A } | { ok: false; why: string } => {
  try {
    return { ok: true, value: read() };
  } catch (cause) {
    return { ok: false, why: `reading it threw: ${describeCause(cause)}` };
  }
};

const copySlow = (root: StateObject): E.Either<StateVersionError, StateObject> => {
  const first = guarded(() => frameFor(root, ''));
  if (!first.ok) return E.left(notJson('', first.why));
  const rootFrame = first.value;
  const stack: Frame[] = [rootFrame];
  const ancestors = new Set<object>([root]);
  /** Objects already copied (or being copied), so shared ones are copied once. */
  const copies = new Map<object, StateObject | unknown[]>([[root, rootFrame.dst]]);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.index === frame.length) {
      stack.pop();
      ancestors.delete(frame.src);
      continue;
    }
    const key: string | number =
      frame.keys === undefined ? frame.index : (frame.keys[frame.index] as string);
    frame.index++;
    const read = guarded(() => (frame.src as StateObject)[key]);
    if (!read.ok) return E.left(notJson(pathOf(stack, segment(frame, key)), read.why));
    const value = read.value;
    if (typeof value !== 'object' || value === null) {
      if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
        return E.left(notJson(pathOf(stack, segment(frame, key)), `found a ${typeof value}`));
      }
      put(frame.dst, key, value);
    } else if (ancestors.has(value)) {
      return E.left(
        notJson(pathOf(stack, segment(frame, key)), 'found a cycle (the object contains itself)'),
      );
    } else if (copies.has(value)) {
      put(frame.dst, key, copies.get(value));
    } else if (isPlainObject(value) || isArray(value)) {
      const where = () => pathOf(stack, segment(frame, key));
      if (Array.isArray(value) && value.length > MAX_ARRAY_LENGTH) {
        return E.left(
          notJson(where(), `found an array of ${value.length} items (at most ${MAX_ARRAY_LENGTH})`),
        );
      }
      const made = guarded(() => frameFor(value as StateObject | unknown[], segment(frame, key)));
      if (!made.ok) return E.left(notJson(where(), made.why));
      const child = made.value;
      put(frame.dst, key, child.dst);
      ancestors.add(value);
      copies.set(value, child.dst);
      stack.push(child);
    } else if (value instanceof Date) {
      put(frame.dst, key, new Date(value.getTime()));
    } else {
      return E.left(notJson(pathOf(stack, segment(frame, key)), `found ${kindOf(value)}`));
    }
  }
  return E.right(rootFrame.dst as StateObject);
};
