/**
 * The one deep copy `migrate` makes per call, so that step functions may mutate their
 * argument without ever touching the caller's state. A fast recursive copy handles ordinary
 * states; when it meets something unusual (nesting deeper than {@link FAST_COPY_DEPTH}, which
 * includes every cycle, or a non-JSON value) it gives up and an iterative copy (no recursion,
 * so depth is bounded by memory, not by the call stack) redoes the work and reports cycles
 * and non-JSON values with the field path where they were found.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js';
import { StateVersionError } from './errors.js';
import { pathSegment } from './show.js';

/** A JSON-like object: the shape of every state migraph handles. */
export type StateObject = { [key: string]: unknown };

/** True for `{}`-style objects (prototype `Object.prototype` or `null`), false for arrays and class instances. */
export const isPlainObject = (value: unknown): value is StateObject => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
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

const copyFast = (value: unknown, depth: number): unknown => {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint'
      ? BAIL
      : value;
  }
  if (depth === 0) return BAIL;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copyFast(value[i], depth - 1);
      if (item === BAIL) return BAIL;
      out[i] = item;
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype) {
    if (proto === null) return BAIL;
    return value instanceof Date ? new Date(value.getTime()) : BAIL;
  }
  const out: StateObject = {};
  // for-in is the fastest key walk here; the prototype is Object.prototype (checked above),
  // so only a polluted Object.prototype could add inherited keys.
  for (const key in value) {
    const item = copyFast((value as StateObject)[key], depth - 1);
    if (item === BAIL) return BAIL;
    if (key === '__proto__') put(out, key, item);
    else out[key] = item;
  }
  return out;
};

/**
 * Deep-copies a JSON-like object graph. Shared sub-objects are copied separately (as JSON
 * would); a cycle, a function, a symbol, a bigint or a class instance other than `Date` gives
 * `Left(StateVersionError)` with reason `not_json` and the field path.
 *
 * Complexity: O(size of the state).
 *
 * @example
 * copyState({ a: [1, { b: 2 }] }) // Right({ a: [1, { b: 2 }] }), a fresh object graph
 * @since 0.1.0
 */
export const copyState = (root: StateObject): E.Either<StateVersionError, StateObject> => {
  const fast = copyFast(root, FAST_COPY_DEPTH);
  return fast === BAIL ? copySlow(root) : E.right(fast as StateObject);
};

const copySlow = (root: StateObject): E.Either<StateVersionError, StateObject> => {
  const rootFrame = frameFor(root, '');
  const stack: Frame[] = [rootFrame];
  const ancestors = new Set<object>([root]);
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
    const value = (frame.src as StateObject)[key];
    if (typeof value !== 'object' || value === null) {
      if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
        return E.left(notJson(pathOf(stack, segment(frame, key)), `found a ${typeof value}`));
      }
      put(frame.dst, key, value);
    } else if (ancestors.has(value)) {
      return E.left(
        notJson(pathOf(stack, segment(frame, key)), 'found a cycle (the object contains itself)'),
      );
    } else if (Array.isArray(value) || isPlainObject(value)) {
      const child = frameFor(value, segment(frame, key));
      put(frame.dst, key, child.dst);
      ancestors.add(value);
      stack.push(child);
    } else if (value instanceof Date) {
      put(frame.dst, key, new Date(value.getTime()));
    } else {
      const kind = (value as object).constructor?.name ?? 'object';
      return E.left(notJson(pathOf(stack, segment(frame, key)), `found a ${kind} instance`));
    }
  }
  return E.right(rootFrame.dst as StateObject);
};
