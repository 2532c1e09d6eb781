import { defineMigration } from '../../../lib/core/definition.js';

export default defineMigration({
  from: '1.2.0',
  to: '1.3.0',
  description: 'Nest the theme under appearance, with a font size',
  up: ({ theme, ...s }) => ({ ...s, appearance: { theme, font_size: 14 } }),
  down: ({ appearance, ...s }) => ({ ...s, theme: appearance.theme }),
});
