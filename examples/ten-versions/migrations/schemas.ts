/**
 * A ten-version example project for `migraph test`: a user profile document that evolves
 * from 1.0.0 to 3.2.0 through nine reversible migrations (a field added, renamed, nested,
 * turned into a list, made implicit, split). Every version has a codec, so `migraph test`
 * round-trips the nine edges and the 36 multi-step paths between them:
 *
 *   npx migraph test --dir examples/ten-versions/migrations --runs 1000
 */
import * as t from 'io-ts';

const Theme = t.keyof({ light: null, dark: null });
const Contact = t.type({ kind: t.literal('email'), value: t.string });

const v1_0 = t.intersection([
  t.type({ state_version: t.string, name: t.string, email: t.string, theme: Theme }),
  t.partial({ tags: t.array(t.string) }),
]);
const v1_1 = t.intersection([v1_0, t.type({ notifications: t.type({ email: t.boolean }) })]);
const renamed = <C extends t.Mixed>(rest: C) =>
  t.intersection([
    t.type({ state_version: t.string, display_name: t.string, email: t.string, theme: Theme }),
    t.partial({ tags: t.array(t.string) }),
    rest,
  ]);
const v1_2 = renamed(t.type({ notifications: t.type({ email: t.boolean }) }));
const appearance = t.type({ theme: Theme, font_size: t.number });
const v1_3 = t.intersection([
  t.type({
    state_version: t.string,
    display_name: t.string,
    email: t.string,
    appearance,
    notifications: t.type({ email: t.boolean }),
  }),
  t.partial({ tags: t.array(t.string) }),
]);
const v2_0 = t.intersection([
  t.type({
    state_version: t.string,
    display_name: t.string,
    contacts: t.array(Contact),
    appearance,
    notifications: t.type({ email: t.boolean }),
  }),
  t.partial({ tags: t.array(t.string) }),
]);
const labelled = t.intersection([
  t.type({
    state_version: t.string,
    display_name: t.string,
    contacts: t.array(Contact),
    appearance,
    notifications: t.type({ email: t.boolean }),
    labels: t.array(t.string),
  }),
  t.partial({ labels_implicit: t.literal(true) }),
]);
const v2_1 = labelled;
const v2_2 = t.intersection([labelled, t.type({ locale: t.string })]);
const channels = t.type({ channels: t.array(t.keyof({ email: null })) });
const v3_0 = t.intersection([
  t.type({
    state_version: t.string,
    display_name: t.string,
    contacts: t.array(Contact),
    appearance,
    notifications: channels,
    labels: t.array(t.string),
    locale: t.string,
  }),
  t.partial({ labels_implicit: t.literal(true) }),
]);
const v3_1 = t.intersection([v3_0, t.type({ beta_features: t.array(t.string) })]);
const v3_2 = t.intersection([
  t.type({
    state_version: t.string,
    profile: t.type({ display_name: t.string, bio: t.string }),
    contacts: t.array(Contact),
    appearance,
    notifications: channels,
    labels: t.array(t.string),
    locale: t.string,
    beta_features: t.array(t.string),
  }),
  t.partial({ labels_implicit: t.literal(true) }),
]);

export const codecs = {
  '1.0.0': v1_0,
  '1.1.0': v1_1,
  '1.2.0': v1_2,
  '1.3.0': v1_3,
  '2.0.0': v2_0,
  '2.1.0': v2_1,
  '2.2.0': v2_2,
  '3.0.0': v3_0,
  '3.1.0': v3_1,
  '3.2.0': v3_2,
};
export const currentVersion = '3.2.0';
