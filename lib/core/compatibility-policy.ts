/**
 * Compatibility policies (SPEC §17): the class a project requires of its edges, by semver
 * range of the edge's newer version, with approved breaks listed by edge and reason.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import satisfies from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import {
  classOf,
  COMPATIBILITY_CLASSES,
  meetsClass,
  type Compatibility,
  type CompatibilityClass,
} from './compatibility.js';
import { compareVersions, isVersion } from './version.js';

/** An edge allowed below its policy, and why. */
export interface ApprovedBreak {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/**
 * A policy as a schemas module exports it: `default` for edges no range names, a class per
 * semver range of the edge's newer version (`'2.x': 'FULL'`), and `approved` breaks.
 *
 * @example
 * export const compatibility = {
 *   default: 'BACKWARD',
 *   '2.x': 'FULL',
 *   approved: [{ from: '1.2.0', to: '2.0.0', reason: 'the 2.0 rewrite: no rollback below it' }],
 * };
 * @since 0.1.0
 */
export interface CompatibilityPolicy {
  readonly default: CompatibilityClass | undefined;
  readonly ranges: readonly { readonly range: string; readonly class: CompatibilityClass }[];
  readonly approved: readonly ApprovedBreak[];
}

/** A policy that cannot be read, with where the problem is (`'default'`, `'2.x'`, `approved[0]`). */
export class CompatibilityPolicyError extends TypeError {
  override readonly name = 'CompatibilityPolicyError' as const;
  readonly path: string;

  constructor(message: string, details: { readonly path: string }) {
    super(message);
    this.path = details.path;
  }
}

const isClass = (value: unknown): value is CompatibilityClass =>
  (COMPATIBILITY_CLASSES as readonly unknown[]).includes(value);

const expectedClass = (path: string, value: unknown) =>
  new CompatibilityPolicyError(
    `compatibility.${path}: expected one of ${COMPATIBILITY_CLASSES.join(', ')}, got ${JSON.stringify(value) ?? String(value)}`,
    { path },
  );

/**
 * Reads a policy (see {@link CompatibilityPolicy}); a `Left` naming the first bad entry: a
 * class that is not one of the four, a key that is not a semver range, an approved break
 * without versions or without a reason.
 *
 * @example
 * parseCompatibilityPolicy({ default: 'BACKWARD', '2.x': 'FULL' })
 * // Right({ default: 'BACKWARD', ranges: [{ range: '2.x', class: 'FULL' }], approved: [] })
 * @since 0.1.0
 */
export const parseCompatibilityPolicy = (
  value: unknown,
): E.Either<CompatibilityPolicyError, CompatibilityPolicy> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return E.left(
      new CompatibilityPolicyError('compatibility: expected an object of classes by range', {
        path: '',
      }),
    );
  }
  const ranges: { range: string; class: CompatibilityClass }[] = [];
  const approved: ApprovedBreak[] = [];
  let fallback: CompatibilityClass | undefined;
  for (const [key, entry] of Object.entries(value)) {
    if (key === 'default') {
      if (!isClass(entry)) return E.left(expectedClass(key, entry));
      fallback = entry;
    } else if (key === 'approved') {
      if (!Array.isArray(entry)) {
        return E.left(
          new CompatibilityPolicyError(
            'compatibility.approved: expected an array of { from, to, reason }',
            {
              path: key,
            },
          ),
        );
      }
      for (const [i, item] of entry.entries()) {
        const path = `approved[${i}]`;
        const { from, to, reason } = (item ?? {}) as Record<string, unknown>;
        if (!isVersion(from) || !isVersion(to)) {
          return E.left(
            new CompatibilityPolicyError(`compatibility.${path}: expected from and to versions`, {
              path,
            }),
          );
        }
        if (typeof reason !== 'string' || reason.trim() === '') {
          return E.left(
            new CompatibilityPolicyError(
              `compatibility.${path}: an approved break needs a reason (${from} -> ${to})`,
              { path },
            ),
          );
        }
        approved.push({ from, to, reason });
      }
    } else {
      if (validRange(key) === null) {
        return E.left(
          new CompatibilityPolicyError(
            `compatibility: '${key}' is neither default, approved nor a semver range`,
            { path: key },
          ),
        );
      }
      if (!isClass(entry)) return E.left(expectedClass(`'${key}'`, entry));
      ranges.push({ range: key, class: entry });
    }
  }
  return E.right({ default: fallback, ranges, approved });
};

/** How one edge fares against a policy. */
export interface PolicyVerdict {
  readonly older: string;
  readonly newer: string;
  readonly class: CompatibilityClass;
  /** The class required (`undefined` when the policy names none for this edge). */
  readonly required: CompatibilityClass | undefined;
  /** Where the requirement comes from: `'default'` or the ranges the newer version is in. */
  readonly source: string;
  /** `ok`: meets it (or none is required); `violation`: below it; `approved`: below it, approved. */
  readonly status: 'ok' | 'violation' | 'approved';
  /** For `approved`, the reason given. */
  readonly reason?: string;
}

/** The outcome of {@link enforcePolicy}. */
export interface PolicyReport {
  readonly verdicts: readonly PolicyVerdict[];
  /** Approved breaks that match no edge or an edge that meets its policy: worth removing. */
  readonly unusedApprovals: readonly ApprovedBreak[];
}

/**
 * The class each edge must have: the directions of every range its newer version satisfies
 * (`'2.x': 'BACKWARD'` and `'>=2.1.0': 'FORWARD'` make `FULL` for 2.1.0), else `default`.
 */
export const requiredClass = (
  policy: CompatibilityPolicy,
  newer: string,
): { readonly class: CompatibilityClass | undefined; readonly source: string } => {
  const matched = policy.ranges.filter((r) =>
    satisfies(newer, r.range, { includePrerelease: true }),
  );
  if (matched.length === 0) return { class: policy.default, source: 'default' };
  const backward = matched.some((r) => r.class === 'FULL' || r.class === 'BACKWARD');
  const forward = matched.some((r) => r.class === 'FULL' || r.class === 'FORWARD');
  return {
    class: classOf(backward, forward),
    source: matched.map((r) => `'${r.range}'`).join(', '),
  };
};

const sameEdge = (approval: ApprovedBreak, result: Compatibility): boolean => {
  const [a, b] =
    compareVersions(approval.from, approval.to) <= 0
      ? [approval.from, approval.to]
      : [approval.to, approval.from];
  return compareVersions(a, result.older) === 0 && compareVersions(b, result.newer) === 0;
};

/**
 * Each edge's class against the policy: below its required class is a `violation` unless an
 * approved break names the edge (in either direction).
 *
 * Complexity: O(edges × (ranges + approvals)).
 * @example
 * const results = m.edges().map((e) => compatibility(m, e)).filter(E.isRight).map((r) => r.right)
 * enforcePolicy(policy, results).verdicts.filter((v) => v.status === 'violation')
 * @since 0.1.0
 */
export const enforcePolicy = (
  policy: CompatibilityPolicy,
  results: readonly Compatibility[],
): PolicyReport => {
  const used = new Set<ApprovedBreak>();
  const verdicts = results.map((result): PolicyVerdict => {
    const required = requiredClass(policy, result.newer);
    const base = {
      older: result.older,
      newer: result.newer,
      class: result.class,
      required: required.class,
      source: required.source,
    };
    if (required.class === undefined || meetsClass(result.class, required.class)) {
      return { ...base, status: 'ok' };
    }
    const approval = policy.approved.find((a) => sameEdge(a, result));
    if (approval === undefined) return { ...base, status: 'violation' };
    used.add(approval);
    return { ...base, status: 'approved', reason: approval.reason };
  });
  return { verdicts, unusedApprovals: policy.approved.filter((a) => !used.has(a)) };
};
