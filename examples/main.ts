/**
 * The README's main job (`npm start`): migrate the bundled example AgentStates in
 * `examples/states/` to the current schema version and write them to `examples/out/`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultMigrator, SCHEMA_VERSION, validateState, type Plan } from '../lib/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const statesDir = path.join(root, 'examples', 'states');
const outDir = path.join(root, 'examples', 'out');

const describePlan = (plan: Plan): string =>
  [
    `plan ${plan.from} -> ${plan.to}: ${plan.steps.length} step(s), cost ${plan.cost}`,
    ...plan.steps.map(
      (s) => `  ${s.from} -> ${s.to} (${s.direction})${s.description ? ` ${s.description}` : ''}`,
    ),
  ].join('\n');

const main = async (): Promise<number> => {
  const files = (await readdir(statesDir)).filter((f) => f.endsWith('.json')).sort();
  console.log(
    `migraph: migrating ${files.length} AgentState file(s) from examples/states to ${SCHEMA_VERSION}`,
  );
  await mkdir(outDir, { recursive: true });
  const shownPlans = new Set<string>();
  let failed = 0;
  for (const file of files) {
    const state: unknown = JSON.parse(await readFile(path.join(statesDir, file), 'utf8'));
    const from = defaultMigrator.versionOf(state);
    const plan = E.isRight(from) ? defaultMigrator.plan(from.right, SCHEMA_VERSION) : from;
    if (E.isRight(plan) && !shownPlans.has(plan.right.from)) {
      shownPlans.add(plan.right.from);
      console.log(describePlan(plan.right));
    }
    const result = defaultMigrator.migrate(state, SCHEMA_VERSION);
    if (E.isLeft(result)) {
      failed++;
      console.log(`FAIL ${file}: ${result.left.message}`);
      continue;
    }
    const migrated = result.right;
    validateState(migrated, { strict: true });
    await writeFile(path.join(outDir, file), `${JSON.stringify(migrated, null, 2)}\n`);
    const agents = Object.keys(migrated.tool_permissions).length;
    const history = migrated.tool_permission_history.length;
    console.log(
      `ok   ${file.padEnd(32)} ${E.isRight(from) ? from.right : '?'} -> ${migrated.state_version}  ` +
        `${migrated.messages.length} message(s), permissions for ${agents} agent(s), ${history} history entr${history === 1 ? 'y' : 'ies'}`,
    );
  }
  console.log(
    `wrote ${files.length - failed} file(s) to ${path.relative(process.cwd(), outDir) || outDir}`,
  );
  return failed === 0 ? 0 : 1;
};

process.exitCode = await main();
