/**
 * Graph lint: finds holes and hazards in a migrator's version graph before they bite.
 *
 * Codes: `unreachable-version`, `cannot-reach-current`, `missing-down`, `missing-schema`,
 * `ambiguous-path`, `lossy-path`, `file-name-mismatch`, `codec-rejects-output`.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { versionsReaching } from './reachability.js';
import { edgeOfFileName } from './naming.js';
import type { Migrator } from './migrator.js';
import { checkOptions } from './options.js';

/** What a {@link CheckIssue} is about. */
export type CheckCode =
  | 'unreachable-version'
  | 'cannot-reach-current'
  | 'missing-down'
  | 'missing-schema'
  | 'ambiguous-path'
  | 'lossy-path'
  | 'file-name-mismatch'
  | 'codec-rejects-output';

/** One finding of {@link check}. */
export interface CheckIssue {
  readonly severity: 'error' | 'warning';
  readonly code: CheckCode;
  readonly message: string;
  /** The versions concerned (one version, or from and to). */
  readonly versions: readonly string[];
}

/** The outcome of {@link check}. */
export interface CheckReport {
  readonly ok: boolean;
  readonly errors: readonly CheckIssue[];
  readonly warnings: readonly CheckIssue[];
}

/** Options of {@link check}. */
export interface CheckOptions {
  /**
   * Sample states per version: when given, each is migrated to every version its version has
   * an edge to, and codecs that reject the output are reported. `sampleStates` of
   * `migraph/testing` draws them from fast-check arbitraries.
   */
  readonly samples?: Readonly<Record<string, readonly unknown[]>>;
  /**
   * Graphs above this many versions skip the all-pairs searches for ambiguous and lossy paths
   * (default 200).
   */
  readonly ambiguityLimit?: number;
  /**
   * Versions whose schema is kept as a snapshot (`migraph check --snapshots`): one whose codec
   * is gone from the code on purpose is not warned of as `missing-schema`, since its tests
   * draw and validate its states from the snapshot.
   */
  readonly snapshotted?: ReadonlySet<string>;
}

/**
 * Lints the version graph of `m`. Errors: versions that cannot reach the current version,
 * file names that do not match their edge, codecs rejecting migrated samples. Warnings:
 * versions no other version reaches, `up` without `down`, versions without a codec (or a
 * snapshot, when `snapshotted` says which have one), pairs of
 * versions joined by several equally short paths (the plan then takes the lowest next version:
 * the message says which), and lossy edges (`meta.lossy`) that planned paths cross (each with
 * the pairs of versions whose path does).
 *
 * @example
 * const report = check(m, { samples: { '1.0.0': [createInitialState()] } })
 * if (!report.ok) for (const e of report.errors) console.error(`${e.code}: ${e.message}`)
 * @since 0.1.0
 */
export const check = (m: Migrator, options: CheckOptions = {}): CheckReport => {
  checkOptions('check()', options, {
    samples: 'object',
    ambiguityLimit: 'any',
    snapshotted: 'any',
  });
  const issues: CheckIssue[] = [];
  const add = (
    severity: CheckIssue['severity'],
    code: CheckCode,
    message: string,
    versions: string[],
  ) => issues.push({ severity, code, message, versions });
  const versions = m.versions();
  const edges = m.edges();
  const current = m.targetVersion();
  // Every plan may use any edge, so reaching is plain graph reachability.
  const reachesCurrent = current === undefined ? undefined : versionsReaching(edges, current);
  const entered = new Set(edges.filter((e) => e.from !== e.to).map((e) => e.to));

  for (const v of versions) {
    if (versions.length > 1 && !entered.has(v)) {
      add(
        'warning',
        'unreachable-version',
        `Version ${v} cannot be reached from any other version`,
        [v],
      );
    }
    if (current !== undefined && reachesCurrent?.has(v) !== true) {
      add(
        'error',
        'cannot-reach-current',
        `Version ${v} has no migration path to the current version ${current}`,
        [v, current],
      );
    }
    if (m.codecFor(v) === undefined && options.snapshotted?.has(v) !== true) {
      add(
        'warning',
        'missing-schema',
        `Version ${v} has no codec (and there is no '*' fallback): its states are not validated`,
        [v],
      );
    }
  }

  const has = new Set(edges.map((e) => `${e.from}>${e.to}`));
  const bySource = new Map<string, [string, string][]>();
  for (const e of edges) {
    if (e.origin === 'up' && !has.has(`${e.to}>${e.from}`)) {
      add(
        'warning',
        'missing-down',
        `Migration ${e.from}->${e.to} has no down: ${e.to} cannot go back to ${e.from} directly`,
        [e.from, e.to],
      );
    }
    if (e.source !== undefined && e.origin === 'up') {
      bySource.set(e.source, [...(bySource.get(e.source) ?? []), [e.from, e.to]]);
    }
  }
  // One error per file, when it registers anything but the one migration its name says.
  for (const [source, registered] of bySource) {
    const named = edgeOfFileName(source);
    if (named === undefined || registered.every(([f, t]) => f === named[0] && t === named[1])) {
      continue;
    }
    add(
      'error',
      'file-name-mismatch',
      `File ${source} is named for ${named[0]}->${named[1]} but registers ${registered.map(([f, t]) => `${f}->${t}`).join(', ')}`,
      [...new Set(registered.flat())],
    );
  }

  if (versions.length <= (options.ambiguityLimit ?? 200)) {
    for (const from of versions) {
      for (const to of versions) {
        const alternatives = from === to ? E.right([]) : m.alternatives(from, to);
        if (E.isLeft(alternatives) || alternatives.right.length < 2) continue;
        const next = [...new Set(alternatives.right.map((p) => p.steps[0]!.to))];
        if (next.length > 1) {
          add(
            'warning',
            'ambiguous-path',
            `${next.length} equally short paths from ${from} to ${to} (next step ${next.join(' or ')}); the plan takes ${next[0]}, the lowest next version`,
            [from, to],
          );
        }
      }
    }
  }

  const lossy = edges.filter((e) => e.lossy);
  if (lossy.length > 0 && versions.length <= (options.ambiguityLimit ?? 200)) {
    const crossing = new Map<string, string[]>();
    for (const from of versions) {
      for (const to of versions) {
        const plan = from === to ? undefined : m.plan(from, to);
        if (plan === undefined || E.isLeft(plan)) continue;
        for (const step of plan.right.steps.filter((s) => s.lossy === true)) {
          const key = `${step.from}->${step.to}`;
          crossing.set(key, [...(crossing.get(key) ?? []), `${from}->${to}`]);
        }
      }
    }
    for (const e of lossy) {
      const pairs = crossing.get(`${e.from}->${e.to}`) ?? [];
      if (pairs.length === 0) continue;
      const shown =
        pairs.length > 5 ? [...pairs.slice(0, 5), `and ${pairs.length - 5} more`] : pairs;
      add(
        'warning',
        'lossy-path',
        `Migration ${e.from}->${e.to} is lossy (meta.lossy) and on the planned path${pairs.length === 1 ? '' : 's'} of ${pairs.length} version pair${pairs.length === 1 ? '' : 's'}: ${shown.join(', ')}`,
        [e.from, e.to],
      );
    }
  }

  for (const [version, samples] of Object.entries(options.samples ?? {})) {
    for (const e of edges.filter((edge) => edge.from === version)) {
      const failure = samples.map((s) => m.migrate(s, e.to)).find(E.isLeft);
      if (failure !== undefined) {
        add(
          'error',
          'codec-rejects-output',
          `Migrating generated ${version} states to ${e.to} fails: ${failure.left.message}`,
          [version, e.to],
        );
      }
    }
  }

  const errors = issues.filter((i) => i.severity === 'error');
  return {
    ok: errors.length === 0,
    errors,
    warnings: issues.filter((i) => i.severity === 'warning'),
  };
};
