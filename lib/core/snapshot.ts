/**
 * Schema snapshots: each version's canonical JSON Schema as it was released, committed like a
 * lock file, and the drift check that compares the codecs of today's code with them. Reading
 * and writing the files is `migraph/node`'s; deciding what drifted is here.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import {
  canonicalText,
  jsonSchema,
  withoutAnnotations,
  type JsonSchema,
  type SchemaSource,
} from './json-schema.js';
import { diffSchemas, formatSchemaChange, type SchemaChange } from './schema-diff.js';
import type { Version } from './version.js';
import { checkOptions } from './options.js';

/** One version's snapshot, as `schemas/<version>.json` holds it. */
export interface Snapshot {
  readonly version: Version;
  /** sha256 (hex) of the canonical schema without annotations (see `withoutAnnotations`). */
  readonly hash: string;
  readonly schema: JsonSchema;
}

/** What the drift check needs of a migrator. */
export interface SnapshotSource extends SchemaSource {
  versions(): readonly Version[];
}

/** A problem {@link compareSnapshots} found. */
export type SnapshotIssue =
  | {
      /** The version's codec no longer gives its snapshot's schema. */
      readonly kind: 'drift';
      readonly version: Version;
      readonly changes: readonly SchemaChange[];
    }
  | {
      /** The version has a codec and no snapshot. */
      readonly kind: 'missing';
      readonly version: Version;
    }
  | {
      /** A snapshot's version is no longer in the graph, and is not listed as retired. */
      readonly kind: 'left-graph';
      readonly version: Version;
    }
  | {
      /** A snapshot file that is not one: bad JSON, a missing field, a hash its schema does not have. */
      readonly kind: 'invalid';
      readonly version: string;
      readonly message: string;
    };

/** Options of {@link compareSnapshots}. */
export interface CompareSnapshotsOptions {
  /** Versions that left the graph on purpose: their snapshots stay, for tests and docs. */
  readonly retired?: readonly string[];
}

/**
 * The drift check: for every version with a codec, its schema must equal its snapshot's
 * (annotations aside: key order, formatting and descriptions are never drift); every such
 * version must have a snapshot; every snapshot's version must still be in the graph or be
 * retired. Issues come sorted by version, then kind.
 *
 * Complexity: O(versions × schema size).
 * @example
 * compareSnapshots(m, snapshots) // [{ kind: 'drift', version: '1.2.0', changes: [{ path: 'theme', kind: 'added', … }] }]
 * @since 0.1.0
 */
export const compareSnapshots = (
  m: SnapshotSource,
  snapshots: ReadonlyMap<string, Snapshot>,
  options: CompareSnapshotsOptions = {},
): readonly SnapshotIssue[] => {
  checkOptions('compareSnapshots()', options, { retired: 'strings' });
  const issues: SnapshotIssue[] = [];
  const versions = new Set(m.versions());
  const retired = new Set(options.retired ?? []);
  for (const version of versions) {
    if (!m.hasOwnSchema(version)) continue;
    const current = jsonSchema(m, version);
    if (E.isLeft(current)) continue;
    const snapshot = snapshots.get(version);
    if (snapshot === undefined) {
      issues.push({ kind: 'missing', version });
      continue;
    }
    const [was, is] = [withoutAnnotations(snapshot.schema), withoutAnnotations(current.right)];
    if (canonicalText(was) !== canonicalText(is)) {
      issues.push({ kind: 'drift', version, changes: diffSchemas(was, is) });
    }
  }
  for (const version of snapshots.keys()) {
    if (!versions.has(version) && !retired.has(version)) {
      issues.push({ kind: 'left-graph', version });
    }
  }
  return issues.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
};

/**
 * One readable line (or a few) per issue, e.g.
 * "1.2.0 changed without a new version: `theme` added (string, required)".
 *
 * @since 0.1.0
 */
export const formatSnapshotIssue = (issue: SnapshotIssue): string => {
  switch (issue.kind) {
    case 'drift': {
      const changes = issue.changes.map(formatSchemaChange);
      return `${issue.version} changed without a new version: ${changes.length === 0 ? 'its schema differs from its snapshot' : changes.join('; ')}`;
    }
    case 'missing':
      return `${issue.version} has a codec but no snapshot: run \`migraph snapshot\` and commit it`;
    case 'left-graph':
      return `${issue.version} has a snapshot but is no longer in the graph: list it as retired, or delete its snapshot`;
    case 'invalid':
      return `${issue.version}: ${issue.message}`;
  }
};
