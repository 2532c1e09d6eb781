import { defineMigration } from '../../../lib/core/definition.js';

export default defineMigration({
  from: '1.0.0',
  to: '1.1.0',
  description: 'Add notification settings',
  up: (s) => ({ ...s, notifications: { email: true } }),
  down: ({ notifications: _notifications, ...s }) => s,
});
