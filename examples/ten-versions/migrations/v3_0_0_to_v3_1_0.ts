import { defineMigration } from '../../../lib/core/definition.js';

export default defineMigration({
  from: '3.0.0',
  to: '3.1.0',
  description: 'Add beta features',
  up: (s) => ({ ...s, beta_features: [] }),
  down: ({ beta_features: _beta, ...s }) => s,
});
