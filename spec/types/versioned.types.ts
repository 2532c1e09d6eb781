// Type tests for `versioned`: compiled by `tsc --noEmit` in `npm test`. Each `@ts-expect-error`
// fails the build if the compiler stops rejecting the line under it.
import type * as E from 'fp-ts/lib/Either.js';
import { versioned, type MigraphError } from '../../lib/core/index.js';
import { SettingsV1, SettingsV11, SettingsV2 } from '../support/settings.js';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_proof?: T): void => undefined;

const chain = versioned('1.0.0', SettingsV1)
  .to('1.1.0', SettingsV11, {
    up: (s) => ({ ...s, theme: 'light' as const }),
    down: ({ theme: _theme, ...s }) => s,
  })
  .to('2.0.0', SettingsV2, { up: ({ title, ...s }) => ({ ...s, name: title }) })
  .edge('1.0.0', '2.0.0', { up: ({ title, ...s }) => ({ ...s, name: title, theme: 'dark' }) });

const settings = chain.build({ validate: 'final' });

// Results need no casts: typed by the target version, the _newest by default.
const _newest = settings.migrate({});
assertType<Equal<typeof _newest, E.Either<MigraphError, SettingsV2>>>();
const _middle = settings.migrate({}, '1.1.0');
assertType<Equal<typeof _middle, E.Either<MigraphError, SettingsV11>>>();
const _later = settings.migrateAsync({}, '1.0.0');
assertType<Equal<typeof _later, Promise<E.Either<MigraphError, SettingsV1>>>>();

// `up` receives the source version's type.
versioned('1.0.0', SettingsV1).to('1.1.0', SettingsV11, {
  up: (s) => {
    assertType<Equal<typeof s, SettingsV1>>();
    // Block bodies and async steps widen literals (a TypeScript limit of generic calls): `as const`.
    return { ...s, theme: 'light' as const };
  },
});

// Async steps are typed the same way.
versioned('1.0.0', SettingsV1).to('1.1.0', SettingsV11, {
  up: async (s) => ({ ...s, theme: 'light' as const }),
});

versioned('1.0.0', SettingsV1).to('1.1.0', SettingsV11, {
  // @ts-expect-error: a step returning the wrong shape (no `theme`)
  up: (s) => ({ ...s }),
});

versioned('1.0.0', SettingsV1).to('1.1.0', SettingsV11, {
  // @ts-expect-error: a field of the wrong type
  up: (s) => ({ ...s, theme: 'blue' }),
});

versioned('1.0.0', SettingsV1).to('1.1.0', SettingsV11, {
  up: (s) => ({ ...s, theme: 'light' as const }),
  // @ts-expect-error: `down` must give back the source version's shape (no `title`)
  down: ({ title: _title, ...s }) => s,
});

// @ts-expect-error: an edge from an undeclared version
chain.edge('0.9.0', '2.0.0', { up: (s) => s });

// @ts-expect-error: an edge to an undeclared version
chain.edge('1.0.0', '3.0.0', { up: (s) => s });

// @ts-expect-error: a target that was never declared
settings.migrate({}, '3.0.0');

// @ts-expect-error: a version declared twice
chain.to('1.1.0', SettingsV11, { up: (s) => ({ ...s, title: s.name }) });
