// A small typed chain used by the versioned specs and type tests.
import * as t from 'io-ts';

export const SettingsV1 = t.type({ state_version: t.string, title: t.string });
export const SettingsV11 = t.type({
  state_version: t.string,
  title: t.string,
  theme: t.union([t.literal('light'), t.literal('dark')]),
});
export const SettingsV2 = t.type({
  state_version: t.string,
  name: t.string,
  theme: t.union([t.literal('light'), t.literal('dark')]),
});
export type SettingsV1 = t.TypeOf<typeof SettingsV1>;
export type SettingsV11 = t.TypeOf<typeof SettingsV11>;
export type SettingsV2 = t.TypeOf<typeof SettingsV2>;
