/**
 * The data behind generated version docs (`migraph docs`): for every version of a graph, its
 * schema as a field table, a changelog against each neighbour, the edges in and out, and the
 * planned upgrade from every older version. Pure data, in a stable order, for teams that feed
 * their own site; the Markdown and HTML pages of `migraph/node` are rendered from it.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import type { Direction, EdgeInfo } from './graph.js';
import { jsonSchema, type JsonSchema, type SchemaSource } from './json-schema.js';
import { checkOptions } from './options.js';
import type { Plan } from './planner.js';
import { diffSchemas, summary, type SchemaChange } from './schema-diff.js';
import { compareNormalised, type Version } from './version.js';

/** What {@link describeVersions} needs of a migrator. */
export interface DescribedSource extends SchemaSource {
  versions(): readonly Version[];
  edges(): readonly Pick<
    EdgeInfo,
    'from' | 'to' | 'direction' | 'description' | 'changes' | 'cost' | 'lossy'
  >[];
  plan(from: string, to: string): E.Either<Error, Plan>;
  /** The current version: `currentVersion`, else the highest one. */
  targetVersion(): Version | undefined;
}

/** Options of {@link describeVersions}. */
export interface DescribeVersionsOptions {
  /**
   * Schema snapshots by version (as `readSnapshots` gives them): the schema of a version
   * without a codec of its own. A version's codec wins over its snapshot.
   */
  readonly snapshots?: ReadonlyMap<string, { readonly schema: JsonSchema }>;
}

/** One field of a version's schema. */
export interface FieldRow {
  /** As in {@link SchemaChange}: `appearance.theme`, `contacts[*].kind`, `scores{*}`. */
  readonly path: string;
  /** The type as short text (`string`, `'light' | 'dark'`, `array of string`). */
  readonly type: string;
  /** Whether the field must be present (in its parent object). */
  readonly required: boolean;
  readonly description?: string;
  /**
   * The version that introduced the field: the oldest version from which every version up to
   * this one (of those with a known schema) has it.
   */
  readonly since: Version;
}

/** One edge of the graph, as the docs show it. */
export interface EdgeRow {
  readonly from: Version;
  readonly to: Version;
  readonly direction: Direction;
  readonly cost: number;
  readonly lossy: boolean;
  readonly description?: string;
  readonly changes: readonly string[];
}

/** What changed between a version and one neighbour, from the older to the newer one. */
export interface ChangelogEntry {
  /** The neighbour: the previous or next version, or one joined to this one by an edge. */
  readonly neighbour: Version;
  /** The older of the two. */
  readonly from: Version;
  /** The newer of the two. */
  readonly to: Version;
  /** `diffSchemas(schema(from), schema(to))`; undefined when either schema is unknown. */
  readonly schemaChanges: readonly SchemaChange[] | undefined;
  /** The edges between the two (the up edge first), with their descriptions and changes. */
  readonly edges: readonly EdgeRow[];
}

/** How a state of an older version reaches this one: its plan, or why there is none. */
export type Upgrade =
  | { readonly from: Version; readonly plan: Plan }
  | { readonly from: Version; readonly problem: string };

/** Everything the docs say about one version. */
export interface VersionDescription {
  readonly version: Version;
  /** 1 for the oldest version, in semver (release) order. */
  readonly order: number;
  readonly current: boolean;
  /** The schema's own description, else the descriptions of the up edges leading to it. */
  readonly description?: string;
  /** Where the schema came from; undefined when the version has neither codec nor snapshot. */
  readonly schemaSource: 'codec' | 'snapshot' | undefined;
  readonly schema: JsonSchema | undefined;
  /** Fields in path order (nested fields after their parent); empty without a schema. */
  readonly fields: readonly FieldRow[];
  /** One entry per neighbour, in semver order. */
  readonly changelog: readonly ChangelogEntry[];
  /** Edges arriving at this version, by semver order of their source. */
  readonly edgesIn: readonly EdgeRow[];
  /** Edges leaving this version, by semver order of their target. */
  readonly edgesOut: readonly EdgeRow[];
  /** The planned upgrade from every older version, oldest first. */
  readonly upgrades: readonly Upgrade[];
}

/** The versions of a graph, oldest first, and which one is current. */
export interface VersionsDescription {
  readonly current: Version | undefined;
  readonly versions: readonly VersionDescription[];
}

const DESCRIBE_OPTIONS = { snapshots: 'object' } as const;

/** How deep the field table looks into nested objects, arrays and records. */
const MAX_FIELD_DEPTH = 8;

/**
 * The data behind a version's docs page, for every version of `m` (see
 * {@link VersionDescription}). Schemas come from the versions' codecs (`jsonSchema`), else from
 * `snapshots`; a version with neither has an empty field table and changelogs without schema
 * changes. The same graph, codecs and snapshots always give equal results.
 *
 * Complexity: O(V² · plan + V · schema size): a plan per pair of versions.
 * @example
 * const { versions } = describeVersions(m, { snapshots }) // snapshots: what readSnapshots('schemas') read
 * versions[1].changelog[0].schemaChanges // [{ path: 'tags', kind: 'added', after: 'array of string', detail: 'required' }]
 * @since 0.1.0
 */
export const describeVersions = (
  m: DescribedSource,
  options: DescribeVersionsOptions = {},
): VersionsDescription => {
  checkOptions('describeVersions()', options, DESCRIBE_OPTIONS);
  const versions = [...m.versions()];
  const current = m.targetVersion();
  const schemas = versions.map((v) => schemaOf(m, v, options.snapshots));
  const fields = fieldTables(versions, schemas);
  const edges = m
    .edges()
    .map(edgeRow)
    .sort((a, b) => compareNormalised(a.from, b.from) || compareNormalised(a.to, b.to));
  const schemaAt = new Map(versions.map((v, i) => [v, schemas[i]?.schema] as const));
  return {
    current,
    versions: versions.map((version, i) => {
      const schema = schemas[i];
      const into = edges.filter((e) => e.to === version);
      return {
        version,
        order: i + 1,
        current: version === current,
        ...descriptionOf(schema?.schema, into),
        schemaSource: schema?.source,
        schema: schema?.schema,
        fields: fields[i]!,
        changelog: neighbours(versions, i, edges).map((n) =>
          changelogEntry(version, n, schemaAt, edges),
        ),
        edgesIn: into,
        edgesOut: edges.filter((e) => e.from === version),
        upgrades: versions.slice(0, i).map((from) => upgradeOf(m, from, version)),
      };
    }),
  };
};

// --- schemas and fields --------------------------------------------------------------------

interface KnownSchema {
  readonly schema: JsonSchema;
  readonly source: 'codec' | 'snapshot';
}

const schemaOf = (
  m: SchemaSource,
  version: Version,
  snapshots: DescribeVersionsOptions['snapshots'],
): KnownSchema | undefined => {
  const own = jsonSchema(m, version);
  if (E.isRight(own)) return { schema: own.right, source: 'codec' };
  const snapshot = snapshots?.get(version);
  return snapshot === undefined ? undefined : { schema: snapshot.schema, source: 'snapshot' };
};

/** The field tables of all versions, each field's `since` carried from the previous known schema. */
const fieldTables = (
  versions: readonly Version[],
  schemas: readonly (KnownSchema | undefined)[],
): FieldRow[][] => {
  let previous = new Map<string, Version>();
  return versions.map((version, i) => {
    const schema = schemas[i]?.schema;
    if (schema === undefined) return [];
    const rows = flatten(schema).map((row) => ({
      ...row,
      since: previous.get(row.path) ?? version,
    }));
    previous = new Map(rows.map((row) => [row.path, row.since]));
    return rows;
  });
};

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A `$ref` into the root's `$defs`, followed; anything else as it is. */
const resolve = (root: JsonSchema, schema: JsonSchema): JsonSchema => {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return schema;
  const target = (root.$defs as Record<string, JsonSchema> | undefined)?.[ref.slice(8)];
  return target === undefined ? schema : { ...target, ...schema };
};

/** The rows of every field of `root`, parents before their children, siblings by name. */
const flatten = (root: JsonSchema): Omit<FieldRow, 'since'>[] => {
  const rows: Omit<FieldRow, 'since'>[] = [];
  const visit = (schema0: JsonSchema, prefix: string, depth: number, refs: readonly string[]) => {
    const ref = typeof schema0.$ref === 'string' ? schema0.$ref : undefined;
    if (depth > MAX_FIELD_DEPTH || (ref !== undefined && refs.includes(ref))) return;
    const inner = ref === undefined ? refs : [...refs, ref];
    const schema = resolve(root, schema0);
    const properties = isSchema(schema.properties) ? schema.properties : undefined;
    if (properties !== undefined) {
      const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      for (const key of Object.keys(properties).sort()) {
        const field = properties[key];
        if (!isSchema(field)) continue;
        const path = prefix === '' ? key : `${prefix}.${key}`;
        const own = resolve(root, field);
        rows.push({
          path,
          type: summary(root, field),
          required: required.has(key),
          ...(typeof own.description === 'string' ? { description: own.description } : {}),
        });
        visit(field, path, depth + 1, inner);
      }
    }
    if (isSchema(schema.items)) visit(schema.items, `${prefix}[*]`, depth + 1, inner);
    if (properties === undefined && isSchema(schema.additionalProperties)) {
      visit(schema.additionalProperties, `${prefix}{*}`, depth + 1, inner);
    }
  };
  visit(root, '', 0, []);
  return rows;
};

// --- edges, changelogs, upgrades -----------------------------------------------------------

const edgeRow = (e: ReturnType<DescribedSource['edges']>[number]): EdgeRow => ({
  from: e.from,
  to: e.to,
  direction: e.direction,
  cost: e.cost,
  lossy: e.lossy,
  ...(e.description === undefined ? {} : { description: e.description }),
  changes: [...e.changes],
});

const descriptionOf = (
  schema: JsonSchema | undefined,
  into: readonly EdgeRow[],
): { readonly description?: string } => {
  if (typeof schema?.description === 'string') return { description: schema.description };
  const described = into.flatMap((e) =>
    e.direction === 'up' && e.description !== undefined ? [e.description] : [],
  );
  return described.length === 0 ? {} : { description: described.join('; ') };
};

/** The previous and next versions, and every version an edge joins to `versions[i]`, in order. */
const neighbours = (
  versions: readonly Version[],
  i: number,
  edges: readonly EdgeRow[],
): Version[] => {
  const version = versions[i]!;
  const near = new Set<Version>([
    ...(i > 0 ? [versions[i - 1]!] : []),
    ...(i + 1 < versions.length ? [versions[i + 1]!] : []),
    ...edges.flatMap((e) => (e.from === version ? [e.to] : e.to === version ? [e.from] : [])),
  ]);
  return [...near].sort(compareNormalised);
};

const changelogEntry = (
  version: Version,
  neighbour: Version,
  schemaAt: ReadonlyMap<Version, JsonSchema | undefined>,
  edges: readonly EdgeRow[],
): ChangelogEntry => {
  const [from, to] =
    compareNormalised(neighbour, version) < 0 ? [neighbour, version] : [version, neighbour];
  const [a, b] = [schemaAt.get(from), schemaAt.get(to)];
  return {
    neighbour,
    from,
    to,
    schemaChanges: a === undefined || b === undefined ? undefined : diffSchemas(a, b),
    edges: [
      ...edges.filter((e) => e.from === from && e.to === to),
      ...edges.filter((e) => e.from === to && e.to === from),
    ],
  };
};

const upgradeOf = (m: DescribedSource, from: Version, to: Version): Upgrade => {
  const plan = m.plan(from, to);
  return E.isRight(plan) ? { from, plan: plan.right } : { from, problem: plan.left.message };
};
