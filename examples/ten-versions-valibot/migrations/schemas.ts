/**
 * The ten-version example (`examples/ten-versions`) with its schemas written in valibot 1: the
 * same nine migrations, validated through Standard Schema. valibot's schemas carry no JSON
 * Schema of their own: `toStandardJsonSchema` of `@valibot/to-json-schema` adds it, for
 * snapshots and `migraph test`.
 *
 *   npx migraph test --dir examples/ten-versions-valibot/migrations --runs 1000
 */
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';

const Theme = v.picklist(['light', 'dark']);
const Contact = v.object({ kind: v.literal('email'), value: v.string() });
const notifications = v.object({ email: v.boolean() });
const channels = v.object({ channels: v.array(v.picklist(['email'])) });
const appearance = v.object({ theme: Theme, font_size: v.number() });
const tags = v.optional(v.array(v.string()));

const v1_0 = v.object({
  state_version: v.string(),
  name: v.string(),
  email: v.string(),
  theme: Theme,
  tags,
});
const v1_1 = v.object({ ...v1_0.entries, notifications });
const { name: _name, ...v1_1_rest } = v1_1.entries;
const v1_2 = v.object({ ...v1_1_rest, display_name: v.string() });
const { theme: _theme, ...v1_2_rest } = v1_2.entries;
const v1_3 = v.object({ ...v1_2_rest, appearance });
const { email: _email, ...v1_3_rest } = v1_3.entries;
const v2_0 = v.object({ ...v1_3_rest, contacts: v.array(Contact) });
const { tags: _tags, ...v2_0_rest } = v2_0.entries;
const v2_1 = v.object({
  ...v2_0_rest,
  labels: v.array(v.string()),
  labels_implicit: v.optional(v.literal(true)),
});
const v2_2 = v.object({ ...v2_1.entries, locale: v.string() });
const v3_0 = v.object({ ...v2_2.entries, notifications: channels });
const v3_1 = v.object({ ...v3_0.entries, beta_features: v.array(v.string()) });
const { display_name: _display_name, ...v3_1_rest } = v3_1.entries;
const v3_2 = v.object({
  ...v3_1_rest,
  profile: v.object({ display_name: v.string(), bio: v.string() }),
});

export const codecs = {
  '1.0.0': toStandardJsonSchema(v1_0),
  '1.1.0': toStandardJsonSchema(v1_1),
  '1.2.0': toStandardJsonSchema(v1_2),
  '1.3.0': toStandardJsonSchema(v1_3),
  '2.0.0': toStandardJsonSchema(v2_0),
  '2.1.0': toStandardJsonSchema(v2_1),
  '2.2.0': toStandardJsonSchema(v2_2),
  '3.0.0': toStandardJsonSchema(v3_0),
  '3.1.0': toStandardJsonSchema(v3_1),
  '3.2.0': toStandardJsonSchema(v3_2),
};
export const currentVersion = '3.2.0';
