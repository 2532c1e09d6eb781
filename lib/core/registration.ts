/**
 * Registering migrations: what a registration may say, its checks (versions, self-loops,
 * costs, duplicate edges) and the edges it makes, decided before the graph changes.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import {
  isMigrationDefinition,
  type AnyState,
  type MigrationDefinition,
  type StepFn,
} from './definition.js';
import { StateVersionError } from './errors.js';
import { liftStep } from './executor.js';
import { getOrThrow as orThrow } from './fp.js';
import { VersionGraph, type Edge } from './graph.js';
import { checkOptions, type OptionRules } from './options.js';
import { showQuoted, showValue } from './show.js';
import type { Version, VersionInput } from './version.js';

/** Optional parts of a registration. */
export interface MigrationMeta<I = AnyState, O = AnyState> {
  /** The reverse transform; registers the edge `to → from` as well. */
  readonly down?: StepFn<O, I>;
  readonly description?: string;
  /** The description of the reverse edge (default: `Revert: <description>`). */
  readonly downDescription?: string;
  readonly changes?: readonly string[];
  /** Planning cost (a positive number; default 1). The reverse edge costs the same. */
  readonly cost?: number;
  /**
   * The `down` cannot restore everything `up` changed (or `up` drops data): round-trip tests
   * skip this edge, `check` reports the paths that cross it, and the planner takes a lossless
   * path instead when one costs the same. Both directions are marked. Default `false`.
   */
  readonly lossy?: boolean;
  /**
   * The step (and its `down`) never mutates its argument: it builds and returns new objects.
   * A plan made only of pure steps skips the one deep copy per `migrate` call (the copy is
   * what keeps mutating steps from touching the caller's state). `testMigrations` runs pure
   * steps on deep-frozen states, so a step that mutates after all fails there. Default `false`.
   */
  readonly pure?: boolean;
  /** Replace an existing edge that has a different function instead of throwing. */
  readonly replace?: boolean;
  /** The file this registration came from (set by the loader). */
  readonly source?: string;
}

/** What a decorator such as `registerMigration` needs of a migrator: a `register` method. */
export interface RegistersMigrations {
  register(from: string, to: string, up: StepFn, meta?: MigrationMeta): unknown;
}

/** What a step says about itself, in its meta and in a migration definition alike. */
const STEP_OPTIONS: OptionRules = {
  down: 'function',
  description: 'string',
  downDescription: 'string',
  changes: 'strings',
  cost: 'any',
  lossy: 'boolean',
  pure: 'boolean',
};

/** The rules of a registration's {@link MigrationMeta}. */
const META_OPTIONS: OptionRules = { ...STEP_OPTIONS, replace: 'boolean', source: 'string' };

/** The rules of a migration definition given to `register`. */
const DEFINITION_OPTIONS: OptionRules = { from: 'any', to: 'any', up: 'any', ...STEP_OPTIONS };

/** A reverse edge's own description: `meta.downDescription`, else derived from the up edge's. */
const downDescriptionOf = (meta: MigrationMeta): string | undefined =>
  meta.downDescription ??
  (meta.description === undefined ? undefined : `Revert: ${meta.description}`);

const checkCost = (cost: number | undefined, from: Version, to: Version): number => {
  if (cost === undefined) return 1;
  if (typeof cost !== 'number' || !Number.isFinite(cost) || cost <= 0) {
    throw new StateVersionError(
      `Expected a positive finite cost for ${from}->${to}, got ${showValue(cost)}`,
      {
        reason: 'invalid_cost',
        from,
        to,
      },
    );
  }
  return cost;
};

/**
 * The arguments of a registration given as a definition: `[from, to, up, meta]`, the
 * definition and its extra meta (`replace`, `source`) checked. Throws a `TypeError`.
 */
export const fromDefinition = (
  definition: unknown,
  extra: unknown,
): [VersionInput, VersionInput, StepFn, MigrationMeta] => {
  if (!isMigrationDefinition(definition)) {
    throw new TypeError(
      `Expected a migration definition { from, to, up }, got ${showValue(definition)}`,
    );
  }
  checkOptions('register(definition)', definition, DEFINITION_OPTIONS);
  const more = typeof extra === 'object' && extra !== null ? extra : {};
  checkOptions('register(definition, meta)', more, { replace: 'boolean', source: 'string' });
  const { from, to, up, ...meta } = definition as MigrationDefinition;
  return [from, to, up as StepFn, { ...meta, ...more }];
};

/**
 * The edges a registration `first → second` sets in `graph` (the reverse too with
 * `meta.down`), once every check has passed: none when the same functions are registered
 * already. Throws `StateVersionError` (an invalid version, a self-loop, a bad cost, a different
 * function on an edge without `meta.replace`) or `TypeError` (no step function, bad meta).
 *
 * Complexity: O(1) graph lookups.
 */
export const edgesToSet = (
  graph: Pick<VersionGraph, 'edge'>,
  first: VersionInput,
  second: unknown,
  parsedFrom: E.Either<StateVersionError, Version>,
  parsedTo: E.Either<StateVersionError, Version>,
  up: StepFn | undefined,
  meta: MigrationMeta,
): Edge[] => {
  if (typeof up !== 'function')
    throw new TypeError(`Expected a step function for ${first}->${showValue(second)}`);
  checkOptions(
    `register(${showQuoted(first)}, ${showQuoted(second)}, up, meta)`,
    meta,
    META_OPTIONS,
  );
  const from = orThrow(parsedFrom);
  const to = orThrow(parsedTo);
  if (from === to) {
    throw new StateVersionError(`A migration cannot lead from ${from} to itself`, {
      reason: 'self_loop',
      from,
      to,
    });
  }
  const cost = checkCost(meta.cost, from, to);
  const make = (a: Version, b: Version, fn: StepFn, origin: 'up' | 'down'): Edge => ({
    from: a,
    to: b,
    direction: VersionGraph.direction(a, b),
    description: origin === 'up' ? meta.description : downDescriptionOf(meta),
    changes: Object.freeze([...(meta.changes ?? [])]),
    cost,
    lossy: meta.lossy === true,
    pure: meta.pure === true,
    fn,
    run: liftStep(fn as StepFn<never, unknown>),
    origin,
    source: meta.source,
  });
  const wanted = [
    make(from, to, up, 'up'),
    ...(meta.down ? [make(to, from, meta.down, 'down')] : []),
  ];
  const changed = wanted.filter((edge) => graph.edge(edge.from, edge.to)?.fn !== edge.fn);
  for (const edge of changed) {
    const existing = graph.edge(edge.from, edge.to);
    if (existing !== undefined && !meta.replace) {
      throw new StateVersionError(
        `A different migration is already registered for ${edge.from}->${edge.to}${existing.source ? ` (from ${existing.source})` : ''}; pass { replace: true } to replace it`,
        { reason: 'duplicate_edge', from: edge.from, to: edge.to },
      );
    }
  }
  return changed;
};
