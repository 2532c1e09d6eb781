/**
 * The version graph. Nodes are normalised versions, edges are migrations. For planning, the graph is compiled once per change into
 * index-based adjacency arrays ({@link CompiledGraph}) whose indices follow semver order.
 *
 * The registry itself keeps its edges in `Map`s, and a graphlib `Graph` is built only for the
 * analyses that use graphlib's algorithms (`reachability.ts`, the only module that imports
 * `@dagrejs/graphlib`, so that a bundle of `Migrator` alone does not carry it) and dropped. A
 * long-lived graphlib graph of thousands of versions keeps thousands of small objects keyed by
 * edge-id strings (per-node in/out edge objects, plus the edge and label dictionaries); with
 * that layout alive, V8's concurrent marker made every allocation-heavy copy in the process
 * 3-15x slower (young copies were promoted instead of dying in the scavenger; the effect went
 * away with `--no-concurrent-marking` and when the graph was dropped). `docs/performance.md`
 * has the measurements.
 *
 * @since 0.1.0
 */
import type * as E from '#fp/Either.js';
import type { StepContext } from './definition.js';
import { compareNormalised, type Version } from './version.js';

/** `'up'` when an edge leads to a higher version, else `'down'`. */
export type Direction = 'up' | 'down';

/** A step function after lifting: never throws, returns the new state or the failure's cause. */
export type LiftedStep = (state: unknown, context: StepContext) => E.Either<unknown, unknown>;

/** One migration edge as the graph stores it. */
export interface Edge {
  readonly from: Version;
  readonly to: Version;
  readonly direction: Direction;
  readonly description: string | undefined;
  readonly changes: readonly string[];
  readonly cost: number;
  /** `meta.lossy`: the edge's registration cannot be undone exactly (its `down` loses data). */
  readonly lossy: boolean;
  /** `meta.pure`: the step never mutates its argument, so a plan of pure steps needs no copy. */
  readonly pure: boolean;
  /** The function as the user wrote it (the `up`, or the `down` of the reverse registration). */
  readonly fn: (state: never, context: StepContext) => unknown;
  /** The lifted step the executor runs. */
  readonly run: LiftedStep;
  /** `'up'` for the function given to `register`, `'down'` for an edge added by `meta.down`. */
  readonly origin: 'up' | 'down';
  /** The file that registered this edge, when it came from the loader. */
  readonly source: string | undefined;
}

/** A registered edge as `Migrator.edges` lists it: an {@link Edge} without its lifted step. */
export type EdgeInfo = Omit<Edge, 'run'>;

/**
 * Index-based adjacency of the graph, in compressed sparse rows. `versions[i]` is the i-th
 * version in semver order; the in-edges of node `i` are `inFrom[inStart[i] .. inStart[i+1])`.
 */
export interface CompiledGraph {
  readonly versions: readonly Version[];
  readonly index: ReadonlyMap<Version, number>;
  readonly inStart: Int32Array;
  readonly inFrom: Int32Array;
  readonly inCost: Float64Array;
  /** 1 when the in-edge goes up (to a higher version), 0 when it goes down. */
  readonly inUp: Uint8Array;
  /** 1 when the in-edge is lossy (`meta.lossy`), else 0. */
  readonly inLossy: Uint8Array;
  /** True when every edge costs 1, so breadth-first search finds least-cost paths. */
  readonly unitCost: boolean;
}

const directionOf = (from: Version, to: Version): Direction =>
  compareNormalised(to, from) > 0 ? 'up' : 'down';

/** The key of the edge `from → to` in {@link VersionGraph}'s edge map. */
const keyOf = (from: Version, to: Version): string => `${from}\u0000${to}`;

/**
 * A mutable version graph. Mutations drop the compiled form; {@link VersionGraph.compile}
 * rebuilds it on demand in O(V log V + E).
 */
export class VersionGraph {
  /** Every edge under `from\0to`, in registration order (a replaced edge keeps its place). */
  private readonly byKey = new Map<string, Edge>();
  /** The edges leaving each version, by target. */
  private readonly out = new Map<Version, Map<Version, Edge>>();
  /** Every version an edge touches, in the order first seen. */
  private readonly nodes = new Set<Version>();
  private compiled: CompiledGraph | undefined;

  /** The direction an edge between two versions has. */
  static direction = directionOf;

  /** Adds or replaces an edge (and its end nodes). */
  setEdge(edge: Edge): void {
    this.byKey.set(keyOf(edge.from, edge.to), edge);
    let leaving = this.out.get(edge.from);
    if (leaving === undefined) this.out.set(edge.from, (leaving = new Map()));
    leaving.set(edge.to, edge);
    this.nodes.add(edge.from).add(edge.to);
    this.compiled = undefined;
  }

  /** The edge `from → to`, if registered. */
  edge(from: Version, to: Version): Edge | undefined {
    return this.byKey.get(keyOf(from, to));
  }

  /** Removes every edge and node. */
  clear(): void {
    this.byKey.clear();
    this.out.clear();
    this.nodes.clear();
    this.compiled = undefined;
  }

  /** The edges leaving `from`. */
  outEdges(from: Version): Edge[] {
    return [...(this.out.get(from)?.values() ?? [])];
  }

  /** All edges, in registration order. */
  edges(): Edge[] {
    return [...this.byKey.values()];
  }

  /** The compiled adjacency, rebuilt only after a change. */
  compile(): CompiledGraph {
    this.compiled ??= compileGraph([...this.nodes], this.edges());
    return this.compiled;
  }
}

const compileGraph = (nodes: readonly Version[], edges: readonly Edge[]): CompiledGraph => {
  const versions = [...nodes].sort(compareNormalised);
  const index = new Map(versions.map((v, i) => [v, i] as const));
  const inStart = new Int32Array(versions.length + 1);
  for (const e of edges) inStart[(index.get(e.to) as number) + 1]!++;
  for (let i = 0; i < versions.length; i++) inStart[i + 1]! += inStart[i]!;
  const fill = inStart.slice(0, versions.length);
  const inFrom = new Int32Array(edges.length);
  const inCost = new Float64Array(edges.length);
  const inUp = new Uint8Array(edges.length);
  const inLossy = new Uint8Array(edges.length);
  let unitCost = true;
  for (const e of edges) {
    const slot = fill[index.get(e.to) as number]!++;
    inFrom[slot] = index.get(e.from) as number;
    inCost[slot] = e.cost;
    inUp[slot] = e.direction === 'up' ? 1 : 0;
    inLossy[slot] = e.lossy ? 1 : 0;
    if (e.cost !== 1) unitCost = false;
  }
  return { versions, index, inStart, inFrom, inCost, inUp, inLossy, unitCost };
};
