/**
 * `migraph check --compat`: the compatibility class of every edge (SPEC §17), with the
 * counterexample behind each `NONE`, and the schemas module's compatibility policy enforced.
 * Classes are decided by schema containment and confirmed by states sampled from the codecs
 * (`compatibilityOf`); without fast-check (an optional peer) by the schemas alone, with a
 * warning. With `--snapshots`, a version whose codec is gone takes part through its snapshot.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import {
  compareVersions,
  compatibility,
  describeCause,
  enforcePolicy,
  type Compatibility,
  type Counterexample,
  type PolicyVerdict,
  type Snapshot,
} from '../core/index.js';
import type { Project } from '../node/index.js';
import type { CommandContext } from './command.js';
import { escapeControl } from './terminal.js';

/** An issue as `check` reports it. */
interface Issue {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly message: string;
  readonly versions: readonly string[];
}

/** What the compatibility part of `check` found. */
export interface CompatOutcome {
  /** One line per edge (and per counterexample), for `--compat`. */
  readonly lines: readonly string[];
  readonly errors: readonly Issue[];
  readonly warnings: readonly Issue[];
  /** The classes and policy verdicts, for `--json`. */
  readonly edges: readonly unknown[];
}

/** The versions of every edge, once per pair, older first, in version order. */
const edgePairs = (project: Project): [string, string][] => {
  const pairs = new Map<string, [string, string]>();
  for (const e of project.migrator.edges()) {
    if (e.from === e.to) continue;
    const pair: [string, string] =
      compareVersions(e.from, e.to) < 0 ? [e.from, e.to] : [e.to, e.from];
    pairs.set(pair.join('>'), pair);
  }
  return [...pairs.values()].sort(
    ([a, b], [c, d]) => compareVersions(a, c) || compareVersions(b, d),
  );
};

const MAX_STATE_TEXT = 240;

/** A counterexample in one line: the state (shortened), where it is valid, why it is rejected. */
export const formatCounterexample = (c: Counterexample): string => {
  const text = JSON.stringify(c.state) ?? String(c.state);
  const state = text.length > MAX_STATE_TEXT ? `${text.slice(0, MAX_STATE_TEXT)}…` : text;
  return escapeControl(
    `${state} is valid at ${c.validAt}, rejected by ${c.rejectedBy}: ${c.errors.slice(0, 3).join('; ')}`,
  );
};

type Classify = (pair: { from: string; to: string }) => E.Either<Error, Compatibility>;

/** `compatibilityOf` when fast-check loads, else the schemas alone (and a warning). */
const classifier = async (
  ctx: CommandContext,
  m: Project['migrator'],
  runs: number,
  snapshots: ReadonlyMap<string, Snapshot> | undefined,
): Promise<Classify> => {
  const withSnapshots = snapshots === undefined ? {} : { snapshots };
  try {
    const { compatibilityOf } = await import('../testing/index.js');
    return (pair) => compatibilityOf(m, pair, { runs, ...withSnapshots });
  } catch (error) {
    ctx.err(
      `migraph: warning: cannot sample states (${escapeControl(describeCause(error))}; is fast-check installed?): compatibility classes from the schemas alone\n`,
    );
    return (pair) => compatibility(m, pair, withSnapshots);
  }
};

/**
 * The classes of the project's edges, each `NONE` with its counterexample, and the policy's
 * verdicts: an edge below its policy is an error unless approved (its reason is printed); an
 * approval that no edge needs is a warning; so is an edge whose versions lack a codec (and,
 * given `snapshots`, a snapshot), an error when a policy asks a class of it. A version known
 * only from its snapshot is named on its edge's line.
 */
export const compatIssues = async (
  ctx: CommandContext,
  project: Project,
  runs: number,
  snapshots?: ReadonlyMap<string, Snapshot>,
): Promise<CompatOutcome> => {
  const m = project.migrator;
  const classify = await classifier(ctx, m, runs, snapshots);
  const lines: string[] = [];
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const results: Compatibility[] = [];
  const policy = project.compatibility;
  for (const [older, newer] of edgePairs(project)) {
    const result = classify({ from: older, to: newer });
    if (E.isLeft(result)) {
      const required =
        policy === undefined
          ? undefined
          : enforcePolicy(policy, [{ older, newer, class: 'NONE' } as Compatibility]).verdicts[0];
      const issue = {
        code: 'compat-unknown',
        message: `${older} -> ${newer}: no class (${result.left.message})${required?.status === 'violation' ? `, but the policy asks ${required.required} of it` : ''}`,
        versions: [older, newer],
      };
      if (required?.status === 'violation') errors.push({ severity: 'error', ...issue });
      else warnings.push({ severity: 'warning', ...issue });
      lines.push(
        `compat ${older} -> ${newer}: unknown (no codec${snapshots === undefined ? '' : ' and no snapshot'})`,
      );
      continue;
    }
    results.push(result.right);
    const fromSnapshots = [older, newer].filter((v) => !m.hasOwnSchema(v));
    lines.push(
      `compat ${older} -> ${newer}: ${result.right.class}${fromSnapshots.length === 0 ? '' : ` (${fromSnapshots.join(' and ')} from ${fromSnapshots.length === 1 ? 'its snapshot' : 'their snapshots'})`}`,
    );
    if (result.right.counterexample !== undefined) {
      lines.push(`  counterexample: ${formatCounterexample(result.right.counterexample)}`);
    }
  }
  const report = policy === undefined ? undefined : enforcePolicy(policy, results);
  const verdicts = new Map<string, PolicyVerdict>(
    (report?.verdicts ?? []).map((v) => [`${v.older}>${v.newer}`, v]),
  );
  for (const v of report?.verdicts ?? []) {
    const result = results.find((r) => r.older === v.older && r.newer === v.newer)!;
    const below = `${v.older} -> ${v.newer} is ${v.class}, below ${v.required} (policy ${v.source})`;
    if (v.status === 'violation') {
      const why =
        result.counterexample ?? result.backward.counterexample ?? result.forward.counterexample;
      errors.push({
        severity: 'error',
        code: 'compat-policy',
        message: `${below}${why === undefined ? `: ${result.reason}` : `: ${formatCounterexample(why)}`}`,
        versions: [v.older, v.newer],
      });
    } else if (v.status === 'approved') {
      lines.push(`approved break ${below}: ${escapeControl(v.reason ?? '')}`);
    }
  }
  for (const a of report?.unusedApprovals ?? []) {
    warnings.push({
      severity: 'warning',
      code: 'compat-unused-approval',
      message: `the approved break ${a.from} -> ${a.to} (${escapeControl(a.reason)}) matches no edge below its policy`,
      versions: [a.from, a.to],
    });
  }
  const edges = results.map((r) => {
    const v = verdicts.get(`${r.older}>${r.newer}`);
    return {
      older: r.older,
      newer: r.newer,
      class: r.class,
      reason: r.reason,
      ...(r.counterexample === undefined ? {} : { counterexample: r.counterexample }),
      ...(v === undefined
        ? {}
        : {
            required: v.required,
            status: v.status,
            ...(v.reason === undefined ? {} : { approvedBecause: v.reason }),
          }),
    };
  });
  return { lines, errors, warnings, edges };
};
