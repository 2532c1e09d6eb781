/**
 * The ten-version example (`examples/ten-versions`) with its schemas written in arktype 2: the
 * same nine migrations, validated through Standard Schema, drawn from and snapshotted through
 * arktype's own JSON Schema.
 *
 *   npx migraph test --dir examples/ten-versions-arktype/migrations --runs 1000
 */
import { type } from 'arktype';

const Theme = type("'light' | 'dark'");
const Contact = type({ kind: "'email'", value: 'string' });
const notifications = type({ email: 'boolean' });
const channels = type({ channels: "('email')[]" });
const appearance = type({ theme: Theme, font_size: 'number' });

const v1_0 = type({
  state_version: 'string',
  name: 'string',
  email: 'string',
  theme: Theme,
  'tags?': 'string[]',
});
const v1_1 = v1_0.and({ notifications });
const v1_2 = v1_1.omit('name').and({ display_name: 'string' });
const v1_3 = v1_2.omit('theme').and({ appearance });
const v2_0 = v1_3.omit('email').and({ contacts: Contact.array() });
const v2_1 = v2_0.omit('tags').and({ labels: 'string[]', 'labels_implicit?': 'true' });
const v2_2 = v2_1.and({ locale: 'string' });
const v3_0 = v2_2.omit('notifications').and({ notifications: channels });
const v3_1 = v3_0.and({ beta_features: 'string[]' });
const v3_2 = v3_1.omit('display_name').and({ profile: { display_name: 'string', bio: 'string' } });

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
