import { defineMigration } from '../../../lib/core/definition.js';

export default defineMigration({
  from: '2.1.0',
  to: '2.2.0',
  description: 'Add a locale',
  up: (s) => ({ ...s, locale: 'en' }),
  down: ({ locale: _locale, ...s }) => s,
});
