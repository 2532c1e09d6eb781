/**
 * Analyses of the version graph with graphlib's algorithms: the only module that imports
 * `@dagrejs/graphlib`. Kept apart from `graph.ts` so that a bundle of `Migrator` alone (which
 * plans over its own compiled adjacency) does not carry graphlib; `check` uses it.
 *
 * @since 0.1.0
 */
import { alg, Graph } from '@dagrejs/graphlib';
import type { Edge } from './graph.js';
import type { Version } from './version.js';

/**
 * The versions from which `target` can be reached (`target` included), found by one
 * backwards Dijkstra of graphlib over a graph built for this call and then dropped.
 *
 * Complexity: O((V + E) log V).
 *
 * @example
 * versionsReaching([{ from: '1.0.0', to: '1.1.0' }], '1.1.0') // Set { '1.1.0', '1.0.0' }
 * @since 0.1.0
 */
export const versionsReaching = (
  edges: readonly Pick<Edge, 'from' | 'to'>[],
  target: Version,
): Set<Version> => {
  const graph = new Graph({ directed: true, multigraph: false });
  graph.setNode(target);
  for (const e of edges) graph.setEdge(e.from, e.to);
  const distances = alg.dijkstra(
    graph,
    target,
    () => 1,
    (v) => graph.inEdges(v) ?? [],
  );
  const reaching = new Set<Version>();
  for (const [version, { distance }] of Object.entries(distances)) {
    if (distance !== Number.POSITIVE_INFINITY) reaching.add(version);
  }
  return reaching;
};
