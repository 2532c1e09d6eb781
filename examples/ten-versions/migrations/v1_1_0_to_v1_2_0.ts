import { defineMigration } from '../../../lib/core/definition.js';

export default defineMigration({
  from: '1.1.0',
  to: '1.2.0',
  description: 'Rename name to display_name',
  up: ({ name, ...s }) => ({ ...s, display_name: name }),
  down: ({ display_name, ...s }) => ({ ...s, name: display_name }),
});
