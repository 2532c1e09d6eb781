import { defineMigration } from '../../../lib/core/definition.js';

export default defineMigration({
  from: '1.3.0',
  to: '2.0.0',
  description: 'Turn the email into a list of contacts',
  up: ({ email, ...s }) => ({ ...s, contacts: [{ kind: 'email', value: email }] }),
  down: ({ contacts, ...s }) => ({ ...s, email: contacts[0]?.value ?? '' }),
});
