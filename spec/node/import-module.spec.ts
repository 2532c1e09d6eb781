import { expect } from 'chai';
import { guardedLoad } from '../../lib/node/import-module.js';

describe('guarded loads', () => {
  it('restore process.exit once overlapping loads have all ended, whatever their order', async () => {
    const exit = process.exit;
    const controlled = () => {
      let finish: () => void = () => undefined;
      const done = guardedLoad(() => new Promise<void>((resolve) => (finish = resolve)), 5_000);
      return { done, finish: () => finish() };
    };
    const first = controlled();
    const second = controlled();
    first.finish();
    await first.done;
    expect(process.exit, 'still patched while a load is under way').to.not.equal(exit);
    second.finish();
    await second.done;
    expect(process.exit).to.equal(exit);
  });

  it('turn process.exit during a load into a refusal of that load', async () => {
    const exit = process.exit;
    let thrown: unknown;
    try {
      await guardedLoad(async () => {
        process.exit(3);
      }, 5_000);
    } catch (error) {
      thrown = error;
    }
    expect(String(thrown)).to.contain('process.exit(3)');
    expect(process.exit).to.equal(exit);
  });
});
