// Type tests for `arbitraryFor`: compiled by `tsc --noEmit` in `npm test`. Each `@ts-expect-error`
// fails the build if the compiler stops rejecting the line under it.
import type fc from 'fast-check';
import * as t from 'io-ts';
import { arbitraryFor } from '../../lib/testing/index.js';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_proof?: T): void => undefined;

const User = t.intersection([
  t.type({ name: t.string, role: t.keyof({ admin: null, guest: null }) }),
  t.partial({ tags: t.array(t.string) }),
]);

// The arbitrary draws the codec's type, with no cast.
const _users = arbitraryFor(User);
assertType<Equal<typeof _users, fc.Arbitrary<t.TypeOf<typeof User>>>>();
const _ints = arbitraryFor(t.Int);
assertType<Equal<typeof _ints, fc.Arbitrary<t.Int>>>();

// A value of the wrong type is not an arbitrary of the codec's type.
// @ts-expect-error a string arbitrary is not an arbitrary of numbers
const _wrong: fc.Arbitrary<number> = arbitraryFor(t.string);

// Options are typed.
// @ts-expect-error maxDepth is a number
arbitraryFor(User, { maxDepth: 'deep' });
