/**
 * Typed version chains: each version declared with its io-ts codec (or Standard Schema v1
 * validator: zod, valibot, arktype, …), each step checked by the
 * compiler against the types of both ends, and results typed by their target version.
 *
 * @since 0.1.0
 */
import type * as E from '#fp/Either.js';
import type * as t from 'io-ts';
import type { StepContext, StepFn } from './definition.js';
import type { MigraphError } from './errors.js';
import { Migrator, MIGRATOR_OPTIONS, type MigratorOptions } from './migrator.js';
import { checkOptions, type OptionRules } from './options.js';
import { asCodec, type InferOutput, type StandardSchemaV1 } from './standard-schema.js';

/** Fields the engine writes itself: a step's result may leave them out. */
export type VersionField = 'state_version' | 'version';

/** A state of type `T` as a step may return it: the version field is the engine's to write. */
export type Unversioned<T> = T extends object
  ? Omit<T, VersionField> & Partial<Pick<T, Extract<keyof T, VersionField>>>
  : T;

/** What a typed step may return: the state, an `Either` of it, or a promise of either. */
export type TypedStepResult<O> =
  | Unversioned<O>
  | E.Either<unknown, Unversioned<O>>
  | Promise<Unversioned<O> | E.Either<unknown, Unversioned<O>>>;

/** One edge of a typed chain: `up` from `I` to `O`, and optionally `down` back. */
export interface TypedEdge<I, O> {
  readonly up: (state: I, context: StepContext) => TypedStepResult<O>;
  readonly down?: (state: O, context: StepContext) => TypedStepResult<I>;
  readonly description?: string;
  readonly changes?: readonly string[];
  readonly cost?: number;
  /** `up` and `down` never mutate their argument: plans of pure steps skip the deep copy. */
  readonly pure?: boolean;
}

/** What describes a version's states in a chain: an io-ts codec or a Standard Schema validator. */
export type VersionSchema = t.Mixed | StandardSchemaV1;

/** Versions declared so far in a {@link VersionChain}, each with its codec or validator. */
export type VersionCodecs = Record<string, VersionSchema>;

/** The type of the states a codec (`t.TypeOf`) or validator (its output type) describes. */
export type TypeOfSchema<C> = C extends t.Mixed
  ? t.TypeOf<C>
  : C extends StandardSchemaV1
    ? InferOutput<C>
    : never;

/** The type of states at version `V` of a chain. */
export type StateAt<M extends VersionCodecs, V extends keyof M> = TypeOfSchema<M[V]>;

/** Options of {@link VersionChain.build}: those of a `Migrator`, the newest version as its current one. */
export type VersionedOptions = Omit<MigratorOptions, 'currentVersion'>;

/** A chain of versions under construction; see {@link versioned}. */
export interface VersionChain<M extends VersionCodecs, Last extends keyof M & string> {
  /** Declares the next version and the edge from the last one to it. */
  to<V extends string, C extends VersionSchema>(
    version: V extends keyof M ? never : V,
    codec: C,
    edge: TypedEdge<StateAt<M, Last>, NoInfer<TypeOfSchema<C>>>,
  ): VersionChain<M & { readonly [K in V]: C }, V>;
  /** Adds an edge between two declared versions (a shortcut, or a second route). */
  edge<F extends keyof M & string, T extends keyof M & string>(
    from: F,
    to: T,
    edge: TypedEdge<StateAt<M, F>, StateAt<M, T>>,
  ): VersionChain<M, Last>;
  /** Builds the migrator; the last declared version is its current version. */
  build(options?: VersionedOptions): Versioned<M, Last>;
}

/** A built chain: migrations typed by their target version. */
export interface Versioned<M extends VersionCodecs, Last extends keyof M & string> {
  /** The underlying migrator (plan, alternatives, toMermaid, check…). */
  readonly migrator: Migrator<StateAt<M, keyof M>>;
  /** The declared versions, in declaration order. */
  readonly versions: readonly (keyof M & string)[];
  /** Migrates to `to` (default: the newest version); the result has that version's type. */
  migrate<T extends keyof M & string = Last>(
    state: unknown,
    to?: T,
  ): E.Either<MigraphError, StateAt<M, T>>;
  /** {@link Versioned.migrate} for chains with async steps. */
  migrateAsync<T extends keyof M & string = Last>(
    state: unknown,
    to?: T,
  ): Promise<E.Either<MigraphError, StateAt<M, T>>>;
}

interface Declared {
  readonly versions: readonly (readonly [string, t.Decoder<unknown, unknown>])[];
  readonly edges: readonly (readonly [string, string, TypedEdge<never, never>])[];
}

/** The rules of a {@link TypedEdge}. */
const EDGE_OPTIONS: OptionRules = {
  up: 'function',
  down: 'function',
  description: 'string',
  changes: 'strings',
  cost: 'any',
  pure: 'boolean',
};

/** The rules of {@link VersionedOptions}: a `Migrator`'s, but the newest version is current. */
const { currentVersion: _current, ...BUILD_OPTIONS } = MIGRATOR_OPTIONS;

const chain = <M extends VersionCodecs, Last extends keyof M & string>(
  declared: Declared,
): VersionChain<M, Last> => ({
  to: (version, codec, edge) => {
    if (declared.versions.some(([v]) => v === version)) {
      throw new TypeError(`Version ${String(version)} is declared twice`);
    }
    checkOptions(`.to('${String(version)}')`, edge, EDGE_OPTIONS);
    const last = declared.versions[declared.versions.length - 1]![0];
    return chain({
      versions: [...declared.versions, [version, asCodec(codec)]],
      edges: [...declared.edges, [last, version, edge as TypedEdge<never, never>]],
    });
  },
  edge: (from, to, edge) => {
    checkOptions(`.edge('${from}', '${to}')`, edge, EDGE_OPTIONS);
    return chain({
      versions: declared.versions,
      edges: [...declared.edges, [from, to, edge as TypedEdge<never, never>]],
    });
  },
  build: (options = {}) => {
    checkOptions('build()', options, BUILD_OPTIONS);
    const versions = declared.versions.map(([v]) => v);
    const migrator = new Migrator<StateAt<M, keyof M>>({
      ...options,
      currentVersion: versions[versions.length - 1]!,
    });
    for (const [version, codec] of declared.versions) migrator.schema(version, codec);
    for (const [from, to, { up, down, description, changes, cost, pure }] of declared.edges) {
      migrator.register(from, to, up as StepFn, {
        ...(pure === undefined ? {} : { pure }),
        ...(down === undefined ? {} : { down: down as StepFn }),
        ...(description === undefined ? {} : { description }),
        ...(changes === undefined ? {} : { changes }),
        ...(cost === undefined ? {} : { cost }),
      });
    }
    return {
      migrator,
      versions: versions as (keyof M & string)[],
      migrate: (state, to) => migrator.migrate(state, to) as never,
      migrateAsync: (state, to) => migrator.migrateAsync(state, to) as never,
    };
  },
});

/**
 * Starts a typed version chain at `version`, whose states `codec` describes. Each `.to()`
 * declares the next version with its codec and the edge to it; `.edge()` adds shortcuts;
 * `.build()` gives a migrator whose results are typed by their target version. A step with
 * the wrong shape, or a version that was not declared, is a compile error. A Standard Schema
 * v1 validator (zod, valibot, arktype, …) may stand for any codec: its output type is the
 * version's type, and it is adapted (or refused, if it validates asynchronously) here.
 *
 * @example
 * const settings = versioned('1.0.0', SettingsV1)
 *   .to('1.1.0', SettingsV11, { up: (s) => ({ ...s, theme: 'light' }), down: ({ theme: _t, ...s }) => s })
 *   .to('2.0.0', SettingsV2, { up: ({ title, ...s }) => ({ ...s, name: title }) })
 *   .build({ validate: 'final' });
 * settings.migrate(stored); // Either<MigraphError, SettingsV2>
 * @since 0.1.0
 */
export const versioned = <V extends string, C extends VersionSchema>(
  version: V,
  codec: C,
): VersionChain<{ readonly [K in V]: C }, V> =>
  chain({ versions: [[version, asCodec(codec)]], edges: [] });
