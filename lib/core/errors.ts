/**
 * The three typed errors of migraph. Each carries structured fields that say what went
 * wrong and where, plus a `cause` where there is one.
 *
 * @since 0.1.0
 */
import { describeCause } from './describe-cause.js';

/**
 * An error as plain JSON: its name, message and structured fields (`JSON.stringify` of an
 * `Error` would otherwise drop the message), the cause as text; the backup is left out.
 */
const jsonOf = (error: Error): Record<string, unknown> => {
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'backup' && key !== 'cause' && value !== undefined) fields[key] = value;
  }
  if (error.cause !== undefined) fields.cause = describeCause(error.cause);
  return fields;
};

/** Why a {@link StateVersionError} was raised. */
export type StateVersionReason =
  | 'invalid_version'
  | 'missing_version'
  | 'unknown_version'
  | 'newer_version'
  | 'no_path'
  | 'no_schema'
  | 'not_an_object'
  | 'not_json'
  | 'self_loop'
  | 'duplicate_edge'
  | 'invalid_cost'
  /** Something threw where nothing should (a logger, or a bug in migraph): see the cause. */
  | 'internal';

/** Structured fields of a {@link StateVersionError}. */
export interface StateVersionErrorDetails {
  readonly reason: StateVersionReason;
  /** The offending version string, as given. */
  readonly version?: string;
  readonly from?: string;
  readonly to?: string;
  /** Field path inside the state, for `not_json` errors (e.g. `a.b[3]`). */
  readonly path?: string;
  readonly cause?: unknown;
}

/**
 * Bad, unknown or unreachable versions, and states that are not plain JSON-like objects.
 *
 * @example
 * new StateVersionError('No migration path found from 0.5.0 to 2.0.0', { reason: 'no_path', from: '0.5.0', to: '2.0.0' })
 * @since 0.1.0
 */
export class StateVersionError extends Error {
  override readonly name = 'StateVersionError' as const;
  readonly reason: StateVersionReason;
  readonly version: string | undefined;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly path: string | undefined;
  /** The backup `autoMigrateState` took before it failed, when it failed there. */
  backup?: unknown;

  constructor(message: string, details: StateVersionErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = details.reason;
    this.version = details.version;
    this.from = details.from;
    this.to = details.to;
    this.path = details.path;
  }

  /** Name, message and fields, so `JSON.stringify(error)` keeps what went wrong. */
  toJSON(): Record<string, unknown> {
    return jsonOf(this);
  }
}

/** Why a {@link MigrationError} was raised. */
export type MigrationFailure =
  'step_failed' | 'invalid_output' | 'validation_failed' | 'async_step' | 'invalid_input';

/** Structured fields of a {@link MigrationError}. */
export interface MigrationErrorDetails {
  readonly reason: MigrationFailure;
  /** Source version of the failing step. */
  readonly from: string;
  /** Target version of the failing step. */
  readonly to: string;
  /** Index of the failing step in the plan (0-based); -1 for the input itself (`invalid_input`). */
  readonly step: number;
  /** Readable `path: expected X, got Y` lines when validation failed. */
  readonly validationErrors?: readonly string[];
  readonly cause?: unknown;
}

/**
 * A migration step failed, returned a non-object, or its output failed validation.
 *
 * @example
 * if (E.isLeft(result) && result.left instanceof MigrationError) console.error(result.left.step)
 * @since 0.1.0
 */
export class MigrationError extends Error {
  override readonly name = 'MigrationError' as const;
  readonly reason: MigrationFailure;
  readonly from: string;
  readonly to: string;
  readonly step: number;
  readonly validationErrors: readonly string[];
  /** The backup `autoMigrateState` took before it failed, when it failed there. */
  backup?: unknown;

  constructor(message: string, details: MigrationErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = details.reason;
    this.from = details.from;
    this.to = details.to;
    this.step = details.step;
    this.validationErrors = details.validationErrors ?? [];
  }

  /** Name, message and fields, so `JSON.stringify(error)` keeps what went wrong. */
  toJSON(): Record<string, unknown> {
    return jsonOf(this);
  }
}

/** Structured fields of a {@link MigrationTestError}. */
export interface MigrationTestErrorDetails {
  readonly from?: string;
  readonly to?: string;
  /** Field paths whose values differ. */
  readonly fields?: readonly string[];
  /** The (shrunk) state that exposed the failure. */
  readonly counterexample?: unknown;
  /** The versions the failing run went through. */
  readonly path?: readonly string[];
  readonly cause?: unknown;
}

/**
 * Raised by the testing utilities (validation, round-trips, property checks).
 *
 * @since 0.1.0
 */
export class MigrationTestError extends Error {
  override readonly name = 'MigrationTestError' as const;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly fields: readonly string[];
  readonly counterexample: unknown;
  readonly path: readonly string[];

  constructor(message: string, details: MigrationTestErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.from = details.from;
    this.to = details.to;
    this.fields = details.fields ?? [];
    this.counterexample = details.counterexample;
    this.path = details.path ?? [];
  }

  /** Name, message and fields, so `JSON.stringify(error)` keeps what went wrong. */
  toJSON(): Record<string, unknown> {
    return jsonOf(this);
  }
}

/** Any error the core returns in a `Left`. */
export type MigraphError = StateVersionError | MigrationError;

/** A {@link MigraphError} as plain data, to cross a worker-thread boundary. */
export type SerializedError =
  | ({ readonly name: 'StateVersionError'; readonly message: string } & Omit<
      StateVersionErrorDetails,
      'cause'
    >)
  | ({ readonly name: 'MigrationError'; readonly message: string } & Omit<
      MigrationErrorDetails,
      'cause'
    >);

/** Plain data for a {@link MigraphError} (the cause becomes part of the message only). */
export const serializeError = (error: MigraphError): SerializedError =>
  error.name === 'StateVersionError'
    ? {
        name: error.name,
        message: error.message,
        reason: error.reason,
        version: error.version,
        from: error.from,
        to: error.to,
        path: error.path,
      }
    : {
        name: error.name,
        message: error.message,
        reason: error.reason,
        from: error.from,
        to: error.to,
        step: error.step,
        validationErrors: error.validationErrors,
      };

/** The typed error back from {@link serializeError}'s data. */
export const reviveError = (data: SerializedError): MigraphError => {
  const { name, message, ...details } = data;
  return name === 'StateVersionError'
    ? new StateVersionError(message, details as StateVersionErrorDetails)
    : new MigrationError(message, details as MigrationErrorDetails);
};
