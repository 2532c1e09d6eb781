import { defineMigration } from '../../../lib/core/definition.js';

export default defineMigration({
  from: '2.2.0',
  to: '3.0.0',
  description: 'Notification flags become a list of channels',
  up: ({ notifications, ...s }) => ({
    ...s,
    notifications: { channels: notifications.email ? ['email'] : [] },
  }),
  down: ({ notifications, ...s }) => ({
    ...s,
    notifications: { email: notifications.channels.includes('email') },
  }),
});
