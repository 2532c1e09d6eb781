// A typed version chain: each version has its codec's type, each step is checked against both.
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { versioned } from 'migraph/core';

const Theme = t.union([t.literal('light'), t.literal('dark')]);
const SettingsV1 = t.type({ state_version: t.string, title: t.string });
const SettingsV11 = t.type({ state_version: t.string, title: t.string, theme: Theme });
const SettingsV2 = t.type({ state_version: t.string, name: t.string, theme: Theme });

export const settings = versioned('1.0.0', SettingsV1)
  .to('1.1.0', SettingsV11, {
    up: (s) => ({ ...s, theme: 'light' as const }),
    down: ({ theme: _theme, ...s }) => s,
  })
  .to('2.0.0', SettingsV2, {
    up: ({ title, ...s }) => ({ ...s, name: title }),
    down: ({ name, ...s }) => ({ ...s, title: name }),
  })
  .build({ validate: 'final' });

const stored: unknown = { state_version: '1.0.0', title: 'Home' };
const current = settings.migrate(stored); // Either<MigraphError, the 2.0.0 type>
export const name = E.isRight(current) ? current.right.name : undefined; // 'Home', no cast
const older = settings.migrate(stored, '1.1.0'); // Either<MigraphError, the 1.1.0 type>
export const theme = E.isRight(older) ? older.right.theme : undefined; // 'light'
