import { expect } from 'chai';
import fc from 'fast-check';
import { hideSecrets, redactUrl, secretsOf } from '../../lib/cli/secrets.js';

describe('secrets on the terminal', () => {
  it('hides a password holding an unencoded @, wholly', () => {
    const url = 'postgres://app:p@ss@db.example/app';
    const secrets = secretsOf(['migrate', '--store', url]);
    expect(secrets).to.include('p@ss');
    expect(hideSecrets(`connect failed: ${url}`, secrets)).to.equal(
      'connect failed: postgres://app:***@db.example/app',
    );
    expect(hideSecrets(`connect failed: ${url}`, [])).to.equal(
      'connect failed: postgres://app:***@db.example/app',
    );
    expect(redactUrl(url)).to.equal('postgres://app:***@db.example/app');
  });

  it('ends the authority before the query: an @ in a parameter is not the password', () => {
    const url = 'postgres://app:S3cret@db/app?application_name=me@host';
    expect(secretsOf(['--store', url])).to.deep.equal(['S3cret']);
    expect(redactUrl(url)).to.equal('postgres://app:***@db/app?application_name=me@host');
    expect(hideSecrets(`error: ${url}`, secretsOf(['--store', url]))).to.equal(
      'error: postgres://app:***@db/app?application_name=me@host',
    );
  });

  it('never lets any part of a URL password through, whatever characters it holds', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9@#%!$&*()_=-]{4,16}$/).filter((p) => !p.startsWith('@')),
        (password) => {
          const url = `postgresql://app:${password}@db.example:5432/app`;
          const shown = hideSecrets(`cannot reach ${url}: refused`, secretsOf(['--store', url]));
          expect(shown).to.equal('cannot reach postgresql://app:***@db.example:5432/app: refused');
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });
});
