import { defineMigration } from '../../../lib/core/definition.js';

export default defineMigration({
  from: '2.0.0',
  to: '2.1.0',
  description: 'Optional tags become labels, always present',
  // Remember when there were no tags at all, so that down can tell [] from absent.
  up: ({ tags, ...s }) => ({
    ...s,
    labels: tags ?? [],
    ...(tags === undefined ? { labels_implicit: true } : {}),
  }),
  down: ({ labels, labels_implicit, ...s }) => (labels_implicit ? s : { ...s, tags: labels }),
});
