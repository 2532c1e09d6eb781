/**
 * Shortest-path planning over a {@link VersionGraph}. One search per (target, direction),
 * run backwards from the target over in-edges, gives every source its distance and next hop;
 * plans are read off that table and cached. With unit costs the search is lazy: it goes only
 * as far as the sources asked about so far need, and resumes for the next one. Both caches hang off the compiled graph, so any
 * registration (which drops the compiled graph) invalidates them.
 *
 * Ties are broken without regard to registration order: least cost, then fewest lossy steps
 * (`meta.lossy`), then fewest steps, then the lowest next version (semver order) at each step.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { StateVersionError } from './errors.js';
import type { CompiledGraph, Direction, Edge, VersionGraph } from './graph.js';
import type { Version } from './version.js';

/** Which edges a plan may use: all, only those to a higher version, or only those to a lower one. */
export type PlanDirection = 'any' | 'forward' | 'reverse';

/** One step of a {@link Plan}. */
export interface Step {
  readonly from: Version;
  readonly to: Version;
  readonly direction: Direction;
  readonly description?: string;
  /** Present (and true) when the step's edge is lossy (`meta.lossy`). */
  readonly lossy?: true;
}

/** A planned path: its steps in order and their total cost (`0` for an empty plan). */
export interface Plan {
  readonly from: Version;
  readonly to: Version;
  readonly steps: readonly Step[];
  readonly cost: number;
}

/** Options of `Migrator.plan` and `planPath`. */
export interface PlanOptions {
  readonly direction?: PlanDirection;
}

/**
 * Distances, lossy steps, hops and next hops of every version towards one target.
 * `next[i] === -1`: no path.
 */
export interface Routes {
  readonly target: number;
  readonly dist: Float64Array;
  /** Lossy steps on the route; compared after the distance, before the hops. */
  readonly lossy: Int32Array;
  readonly hops: Int32Array;
  readonly next: Int32Array;
}

interface Cache {
  readonly routes: Map<string, Routes>;
  /** Plans made, as the `Right`s handed out, keyed by {@link planKey}. */
  readonly plans: Map<number, E.Right<Plan>>;
}

/** Plans kept per compiled graph before the plan cache starts over. */
const PLAN_CACHE_LIMIT = 4096;
/** Route tables (O(V) memory each) kept per compiled graph before that cache starts over. */
const ROUTES_CACHE_LIMIT = 64;

const caches = new WeakMap<CompiledGraph, Cache>();

const cacheFor = (g: CompiledGraph): Cache => {
  let cache = caches.get(g);
  if (cache === undefined) {
    cache = { routes: new Map(), plans: new Map() };
    caches.set(g, cache);
  }
  return cache;
};

const DIRECTIONS: Record<PlanDirection, number> = { any: 0, forward: 1, reverse: 2 };

/** One number per (source, target, direction): no string is built to look a plan up. */
const planKey = (g: CompiledGraph, source: number, target: number, direction: PlanDirection) =>
  (source * g.versions.length + target) * 3 + DIRECTIONS[direction];

const allows = (direction: PlanDirection, up: number): boolean =>
  direction === 'any' || (direction === 'forward') === (up === 1);

const emptyRoutes = (g: CompiledGraph, target: number): Routes => {
  const n = g.versions.length;
  const routes = {
    target,
    dist: new Float64Array(n).fill(Infinity),
    lossy: new Int32Array(n),
    hops: new Int32Array(n).fill(-1),
    next: new Int32Array(n).fill(-1),
  };
  routes.dist[target] = 0;
  routes.hops[target] = 0;
  return routes;
};

/** Where a breadth-first search stopped: its queue, in level order, and the next to expand. */
interface Frontier {
  readonly queue: Int32Array;
  head: number;
  tail: number;
  readonly direction: PlanDirection;
}

/** Unit-cost searches that stopped early, by their (cached) route table. */
const frontiers = new WeakMap<Routes, Frontier>();

/**
 * Breadth-first search backwards from the target; exact when every edge costs 1. It starts
 * lazily: {@link settle} expands it only as far as a plan needs. O(V + E) in all.
 */
const searchUnitCost = (g: CompiledGraph, target: number, direction: PlanDirection): Routes => {
  const routes = emptyRoutes(g, target);
  const queue = new Int32Array(g.versions.length);
  queue[0] = target;
  frontiers.set(routes, { queue, head: 0, tail: 1, direction });
  return routes;
};

/**
 * Expands a lazy breadth-first search until the route of `source` is final, or to the end
 * when `source` is -1. A route is final once every version one step nearer the target has
 * been expanded: then its distance is known and its next hop is the neighbour with the fewest
 * lossy steps to go, the lowest of those.
 */
const settle = (g: CompiledGraph, routes: Routes, source: number): void => {
  const frontier = frontiers.get(routes);
  if (frontier === undefined) return;
  const { dist, lossy, hops, next } = routes;
  const { inStart, inFrom, inUp, inLossy } = g;
  const { queue } = frontier;
  const any = frontier.direction === 'any';
  const up = frontier.direction === 'forward' ? 1 : 0;
  let { head, tail } = frontier;
  while (head < tail) {
    const v = queue[head]!;
    const level = hops[v]!;
    if (source >= 0 && hops[source]! >= 0 && level >= hops[source]!) break;
    head++;
    const d = level + 1;
    for (let s = inStart[v]!, end = inStart[v + 1]!; s < end; s++) {
      if (!any && inUp[s] !== up) continue;
      const u = inFrom[s]!;
      const seen = hops[u]!;
      const l = lossy[v]! + inLossy[s]!;
      if (seen < 0) {
        hops[u] = d;
        dist[u] = d;
        lossy[u] = l;
        next[u] = v;
        queue[tail++] = u;
      } else if (seen === d && (l < lossy[u]! || (l === lossy[u] && v < next[u]!))) {
        lossy[u] = l;
        next[u] = v;
      }
    }
  }
  frontier.head = head;
  frontier.tail = tail;
  if (head >= tail) frontiers.delete(routes);
};

/** A route's rank: (distance, lossy steps, hops), compared in that order. */
type Key = [dist: number, lossy: number, hops: number];

/** A binary min-heap of nodes keyed by (distance, lossy steps, hops), with lazy deletion. */
class NodeHeap {
  private readonly nodes: number[] = [];
  private readonly keys: Key[] = [];

  get size(): number {
    return this.nodes.length;
  }

  private less(i: number, j: number): boolean {
    const a = this.keys[i]!;
    const b = this.keys[j]!;
    return a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])));
  }

  private swap(i: number, j: number): void {
    [this.nodes[i], this.nodes[j]] = [this.nodes[j]!, this.nodes[i]!];
    [this.keys[i], this.keys[j]] = [this.keys[j]!, this.keys[i]!];
  }

  push(node: number, key: Key): void {
    this.nodes.push(node);
    this.keys.push(key);
    for (let i = this.nodes.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the least entry and returns `[node, dist, lossy, hops]`. */
  pop(): [number, ...Key] {
    const top: [number, ...Key] = [this.nodes[0]!, ...this.keys[0]!];
    const lastNode = this.nodes.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.nodes.length > 0) {
      this.nodes[0] = lastNode;
      this.keys[0] = lastKey;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.nodes.length && this.less(l, m)) m = l;
        if (r < this.nodes.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/**
 * Dijkstra's algorithm backwards from the target, keyed by (cost, lossy steps, hops): sums of
 * non-negative parts compared in order, so the search stays exact. O((V + E) log V).
 */
const searchWeighted = (g: CompiledGraph, target: number, direction: PlanDirection): Routes => {
  const routes = emptyRoutes(g, target);
  const { dist, lossy, hops, next } = routes;
  const heap = new NodeHeap();
  heap.push(target, [0, 0, 0]);
  while (heap.size > 0) {
    const [v, dv, lv, hv] = heap.pop();
    if (dv !== dist[v] || lv !== lossy[v] || hv !== hops[v]) continue;
    for (let s = g.inStart[v]!, end = g.inStart[v + 1]!; s < end; s++) {
      if (!allows(direction, g.inUp[s]!)) continue;
      const u = g.inFrom[s]!;
      const d = dv + g.inCost[s]!;
      const l = lv + g.inLossy[s]!;
      const h = hv + 1;
      const better =
        d < dist[u]! || (d === dist[u] && (l < lossy[u]! || (l === lossy[u] && h < hops[u]!)));
      if (better) {
        dist[u] = d;
        lossy[u] = l;
        hops[u] = h;
        next[u] = v;
        heap.push(u, [d, l, h]);
      } else if (d === dist[u] && l === lossy[u] && h === hops[u] && v < next[u]!) {
        next[u] = v;
      }
    }
  }
  return routes;
};

/** The (cached) route table towards `target`; a unit-cost one may still be partial. */
const routesFor = (g: CompiledGraph, target: number, direction: PlanDirection): Routes => {
  const { routes } = cacheFor(g);
  const key = `${target}|${direction}`;
  let hit = routes.get(key);
  if (hit === undefined) {
    hit = (g.unitCost ? searchUnitCost : searchWeighted)(g, target, direction);
    if (routes.size >= ROUTES_CACHE_LIMIT) routes.clear();
    routes.set(key, hit);
  }
  return hit;
};

const noPath = (
  from: Version,
  to: Version,
  direction: PlanDirection,
  unknown: readonly Version[] = [],
): StateVersionError => {
  const scope = direction === 'any' ? '' : ` (direction: ${direction})`;
  const why =
    unknown.length === 0
      ? ''
      : unknown.length === 1
        ? `: version ${unknown[0]} is not registered`
        : `: versions ${unknown.join(' and ')} are not registered`;
  return new StateVersionError(`No migration path found from ${from} to ${to}${scope}${why}`, {
    reason: unknown.length === 0 ? 'no_path' : 'unknown_version',
    from,
    to,
    version: unknown[0],
  });
};

/** The plan that visits `nodes` (compiled indices, source first). */
const planOf = (
  graph: VersionGraph,
  g: CompiledGraph,
  nodes: readonly number[],
  cost: number,
): Plan => {
  const steps: Step[] = [];
  for (let i = 0; i + 1 < nodes.length; i++) {
    const from = g.versions[nodes[i]!]!;
    const to = g.versions[nodes[i + 1]!]!;
    const edge = graph.edge(from, to)!;
    steps.push(
      Object.freeze({
        from,
        to,
        direction: edge.direction,
        ...(edge.description === undefined ? {} : { description: edge.description }),
        ...(edge.lossy ? { lossy: true as const } : {}),
      }),
    );
  }
  return Object.freeze({
    from: g.versions[nodes[0]!]!,
    to: g.versions[nodes.at(-1)!]!,
    steps: Object.freeze(steps),
    cost,
  });
};

const readPlan = (graph: VersionGraph, g: CompiledGraph, routes: Routes, source: number): Plan => {
  const nodes = [source];
  for (let at = source; at !== routes.target; at = routes.next[at]!) nodes.push(routes.next[at]!);
  return planOf(graph, g, nodes, routes.dist[source]!);
};

/**
 * Plans the shortest path between two normalised versions. `from === to` gives an empty plan
 * of cost 0 whether or not the version is registered.
 *
 * Complexity: one search per (target, direction) per (target, direction); then O(path length),
 * or O(1) for a plan already made.
 * @example
 * planPath(graph, '1.0.0', '2.0.0', { direction: 'forward' }) // Right({ from, to, steps, cost })
 * @since 0.1.0
 */
export const planPath = (
  graph: VersionGraph,
  from: Version,
  to: Version,
  options: PlanOptions = {},
): E.Either<StateVersionError, Plan> => {
  const direction = options.direction ?? 'any';
  if (from === to) return E.right(Object.freeze({ from, to, steps: Object.freeze([]), cost: 0 }));
  const g = graph.compile();
  const source = g.index.get(from);
  const target = g.index.get(to);
  if (source === undefined || target === undefined) {
    const unknown = [from, to].filter((v) => !g.index.has(v));
    return E.left(noPath(from, to, direction, unknown));
  }
  const { plans } = cacheFor(g);
  const key = planKey(g, source, target, direction);
  const cached = plans.get(key);
  if (cached !== undefined) return cached;
  const routes = routesFor(g, target, direction);
  settle(g, routes, source);
  if (routes.next[source] === -1) return E.left(noPath(from, to, direction));
  // Frozen: every caller of this plan gets this one `Right`.
  const plan = Object.freeze(E.right(readPlan(graph, g, routes, source))) as E.Right<Plan>;
  if (plans.size >= PLAN_CACHE_LIMIT) plans.clear();
  plans.set(key, plan);
  return plan;
};

/** Options of `Migrator.alternatives`. */
export interface AlternativesOptions extends PlanOptions {
  /** Most plans to list (default 10). */
  readonly limit?: number;
}

/**
 * Every plan as short as the one {@link planPath} picks (same cost, same number of lossy
 * steps, same number of steps), up to `limit`, the picked plan first and the others in the
 * order of their versions. More than one plan means the choice was a tie, broken by the lowest
 * next version.
 *
 * Complexity: one search per (target, direction), then O(limit × path length × out-degree).
 * @example
 * planAlternatives(graph, '1.0.0', '2.0.0') // Right([picked, otherEquallyShort, …])
 * @since 0.1.0
 */
export const planAlternatives = (
  graph: VersionGraph,
  from: Version,
  to: Version,
  options: AlternativesOptions = {},
): E.Either<StateVersionError, Plan[]> => {
  const picked = planPath(graph, from, to, options);
  if (E.isLeft(picked) || picked.right.steps.length === 0) return E.map((p: Plan) => [p])(picked);
  const direction = options.direction ?? 'any';
  const limit = options.limit ?? 10;
  const g = graph.compile();
  const target = g.index.get(to)!;
  const routes = routesFor(g, target, direction);
  settle(g, routes, g.index.get(from)!);
  const { dist, lossy, hops } = routes;
  const onShortestPath = (u: number, e: Edge): number | undefined => {
    const v = g.index.get(e.to)!;
    const ok =
      (direction === 'any' || (direction === 'forward') === (e.direction === 'up')) &&
      hops[v]! >= 0 &&
      hops[v]! + 1 === hops[u]! &&
      lossy[v]! + (e.lossy ? 1 : 0) === lossy[u]! &&
      dist[v]! + e.cost === dist[u]!;
    return ok ? v : undefined;
  };
  const plans: Plan[] = [];
  const path: number[] = [];
  const stack: [node: number, depth: number][] = [[g.index.get(from)!, 0]];
  while (stack.length > 0 && plans.length < limit) {
    const [u, depth] = stack.pop()!;
    path.length = depth;
    path.push(u);
    if (u === target) {
      plans.push(planOf(graph, g, path, dist[path[0]!]!));
      continue;
    }
    const nexts = graph
      .outEdges(g.versions[u]!)
      .map((e) => onShortestPath(u, e))
      .filter((v): v is number => v !== undefined)
      .sort((x, y) => y - x);
    for (const v of nexts) stack.push([v, depth + 1]);
  }
  return E.right(plans);
};
