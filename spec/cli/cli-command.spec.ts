import { expect } from 'chai';
import { Command } from 'commander';
import {
  commandContext,
  registerCommand,
  versionArg,
  type CliCommand,
} from '../../lib/cli/command.js';
import { CliError } from '../../lib/cli/errors.js';
import type { GlobalOptions } from '../../lib/cli/options.js';

describe('CLI command declarations', () => {
  const program = (declarations: CliCommand[]) => {
    const cli = new Command('migraph')
      .option('-d, --dir <dir>', 'dir', './migrations')
      .exitOverride();
    const printed: string[] = [];
    const context = commandContext(
      () => cli.opts<GlobalOptions>(),
      (text) => printed.push(text),
      (text) => printed.push(`err: ${text}`),
    );
    for (const declaration of declarations) registerCommand(cli, declaration, context);
    return { cli, printed };
  };

  it('runs a declaration with its parsed options, its arguments and the global options', async () => {
    const seen: unknown[] = [];
    const greet: CliCommand = {
      name: 'greet',
      describe: (command) =>
        command
          .argument('<who>', 'who')
          .argument('[more...]', 'others')
          .option('--loud', 'shout')
          .option('-n, --times <n>', 'how often', (v) => Number(v), 1),
      run: async (
        ctx,
        options: { loud?: boolean; times: number },
        [who, more]: [string, string[]],
      ) => {
        seen.push(options, who, more, ctx.globals().dir, ctx.project());
        ctx.out(`hello ${who}\n`);
      },
    };
    const { cli, printed } = program([greet]);
    await cli.parseAsync(['--dir', 'm', 'greet', 'ann', 'bo', 'cy', '--loud', '-n', '3'], {
      from: 'user',
    });
    expect(seen).to.deep.equal([{ loud: true, times: 3 }, 'ann', ['bo', 'cy'], 'm', { dir: 'm' }]);
    expect(printed).to.deep.equal(['hello ann\n']);
  });

  it('lets a run fail with its CliError, and open() fail as usage on a missing directory', async () => {
    const fail: CliCommand = {
      name: 'fail',
      describe: (command) => command,
      run: async () => {
        throw new CliError('no', { exitCode: 1 });
      },
    };
    const open: CliCommand = {
      name: 'open',
      describe: (command) => command,
      run: async (ctx) => {
        await ctx.open();
      },
    };
    const { cli } = program([fail, open]);
    const error = await cli.parseAsync(['fail'], { from: 'user' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CliError).and.include({ message: 'no', exitCode: 1 });
    const missing = await program([fail, open])
      .cli.parseAsync(['--dir', '/nonexistent/migrations', 'open'], { from: 'user' })
      .catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(CliError).and.include({ exitCode: 2 });
    expect((missing as Error).message).to.match(/^No migrations directory at /);
  });

  it('versionArg names the argument of a bad version', () => {
    expect(versionArg('1.2.3', '<from>')).to.equal('1.2.3');
    expect(() => versionArg('banana', '<from>'))
      .to.throw(CliError)
      .with.property('message')
      .that.matches(/^<from>: /);
  });
});
