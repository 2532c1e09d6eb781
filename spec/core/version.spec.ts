import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import {
  compareVersions,
  isCompatibleVersion,
  parseVersion,
  sortVersions,
  StateVersionError,
} from '../../lib/index.js';

describe('version', () => {
  describe('parseVersion', () => {
    it('accepts semver and normalises a leading v', () => {
      expect(parseVersion('1.2.3')).to.deep.equal(E.right('1.2.3'));
      expect(parseVersion('v1.2.3')).to.deep.equal(E.right('1.2.3'));
      expect(parseVersion('1.0.0-rc.1')).to.deep.equal(E.right('1.0.0-rc.1'));
    });

    it('rejects malformed versions with a message naming what it got', () => {
      for (const bad of ['banana', '1.0', '', '1.0.0.0', 'v', ' 1.0.0x']) {
        const result = parseVersion(bad);
        expect(E.isLeft(result), bad).to.equal(true);
        const error = (result as E.Left<StateVersionError>).left;
        expect(error).to.be.instanceOf(StateVersionError);
        expect(error.reason).to.equal('invalid_version');
        expect(error.message).to.equal(`Expected a semver version, got '${bad}'`);
      }
    });

    it('rejects non-strings without throwing', () => {
      for (const bad of [undefined, null, 1, {}, []])
        expect(E.isLeft(parseVersion(bad))).to.equal(true);
    });
  });

  describe('compareVersions', () => {
    it('orders by semver precedence, pre-releases below their release', () => {
      expect(compareVersions('1.0.0', '1.1.0')).to.equal(-1);
      expect(compareVersions('1.10.0', '1.9.0')).to.equal(1);
      expect(compareVersions('v2.0.0', '2.0.0')).to.equal(0);
      expect(compareVersions('1.0.0-rc.1', '1.0.0')).to.equal(-1);
      expect(compareVersions('1.0.0-alpha', '1.0.0-beta')).to.equal(-1);
    });

    it('throws StateVersionError on an invalid version', () => {
      expect(() => compareVersions('1.0.0', 'nope')).to.throw(StateVersionError, "got 'nope'");
    });
  });

  describe('isCompatibleVersion', () => {
    it('is stateVersion >= required', () => {
      expect(isCompatibleVersion('1.1.0', '1.0.0')).to.equal(true);
      expect(isCompatibleVersion('1.0.0', '1.0.0')).to.equal(true);
      expect(isCompatibleVersion('0.9.0', '1.0.0')).to.equal(false);
      expect(isCompatibleVersion('1.0.0-rc.1', '1.0.0')).to.equal(false);
    });

    it('is false, not a throw, on invalid input', () => {
      expect(isCompatibleVersion('nope', '1.0.0')).to.equal(false);
      expect(isCompatibleVersion('1.0.0', 'nope')).to.equal(false);
    });
  });

  it('sortVersions sorts semver-ascending', () => {
    expect(sortVersions(['1.10.0', '1.2.0', '1.2.0-rc.1', '0.9.9'])).to.deep.equal([
      '0.9.9',
      '1.2.0-rc.1',
      '1.2.0',
      '1.10.0',
    ]);
  });
});
