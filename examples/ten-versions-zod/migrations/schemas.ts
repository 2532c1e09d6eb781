/**
 * The ten-version example (`examples/ten-versions`) with its schemas written in zod 4: the
 * same nine migrations, validated through Standard Schema, drawn from and snapshotted through
 * zod's own JSON Schema.
 *
 *   npx migraph test --dir examples/ten-versions-zod/migrations --runs 1000
 */
import { z } from 'zod';

const Theme = z.enum(['light', 'dark']);
const Contact = z.object({ kind: z.literal('email'), value: z.string() });
const notifications = z.object({ email: z.boolean() });
const channels = z.object({ channels: z.array(z.enum(['email'])) });
const appearance = z.object({ theme: Theme, font_size: z.number() });
const tags = z.array(z.string()).optional();

const v1_0 = z.object({
  state_version: z.string(),
  name: z.string(),
  email: z.string(),
  theme: Theme,
  tags,
});
const v1_1 = v1_0.extend({ notifications });
const v1_2 = v1_1.omit({ name: true }).extend({ display_name: z.string() });
const v1_3 = v1_2.omit({ theme: true }).extend({ appearance });
const v2_0 = v1_3.omit({ email: true }).extend({ contacts: z.array(Contact) });
const v2_1 = v2_0
  .omit({ tags: true })
  .extend({ labels: z.array(z.string()), labels_implicit: z.literal(true).optional() });
const v2_2 = v2_1.extend({ locale: z.string() });
const v3_0 = v2_2.extend({ notifications: channels });
const v3_1 = v3_0.extend({ beta_features: z.array(z.string()) });
const v3_2 = v3_1
  .omit({ display_name: true })
  .extend({ profile: z.object({ display_name: z.string(), bio: z.string() }) });

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
