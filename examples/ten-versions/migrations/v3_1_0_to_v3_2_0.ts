import { defineMigration } from '../../../lib/core/definition.js';

export default defineMigration({
  from: '3.1.0',
  to: '3.2.0',
  description: 'Move the display name into a profile, with a bio',
  up: ({ display_name, ...s }) => ({ ...s, profile: { display_name, bio: '' } }),
  down: ({ profile, ...s }) => ({ ...s, display_name: profile.display_name }),
});
