// `npm run test:unit`: the specs that run from the sources alone (no build, PostgreSQL or
// browser); the others are listed in spec/support/suites.cjs.
const { require: _setup, ...base } = require('./.mocharc.json');
const { integration } = require('./spec/support/suites.cjs');

module.exports = { ...base, ignore: Object.keys(integration) };
