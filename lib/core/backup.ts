/**
 * Backups taken before a migration, and restoring from them.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { pipe } from '#fp/function.js';
import { copyState, isPlainObject, type StateObject } from './copy.js';
import { StateVersionError } from './errors.js';
import type { Logger } from './logger.js';
import { showValue } from './show.js';
import { splitVersionKey, versionValueAt } from './version-field.js';

/** The field a backup carries its metadata in. */
export const BACKUP_KEY = '_migration_backup';

/** What a backup records about itself. */
export interface BackupInfo {
  readonly timestamp: string;
  /** The state's version when the backup was taken (`null` when it had none). */
  readonly original_version: unknown;
}

/** A state plus {@link BACKUP_KEY}. */
export type Backup = StateObject & { readonly [BACKUP_KEY]: BackupInfo };

/** A deep copy of `value`, or a `not_an_object` error saying what was expected. */
const copyObject = (value: unknown, what: string): E.Either<StateVersionError, StateObject> =>
  isPlainObject(value)
    ? copyState(value)
    : E.left(new StateVersionError(`Expected ${what}`, { reason: 'not_an_object' }));

/** The value at `key` (a field, a dotted path, or an array of keys) of a state, else `null`. */
const versionAt = (state: StateObject, key: string | readonly string[]): unknown =>
  versionValueAt(state, splitVersionKey(key)) ?? null;

/**
 * A deep copy of `state` plus `_migration_backup: { timestamp, original_version }`, the
 * version read from `versionKey` (default `'state_version'`; a dotted path or an array of
 * keys too) and the time from `now` (default: the current time). A `now` that is not a valid
 * `Date` is a `TypeError` (a programmer error); a state that is not a JSON-like object is a
 * `Left`.
 *
 * @example
 * createBackup(state) // Right({ ...copy, _migration_backup: { timestamp, original_version } })
 * createBackup(state, 'meta.version', new Date(0))
 * @since 0.1.0
 */
export const createBackup = (
  state: unknown,
  versionKey: string | readonly string[] = 'state_version',
  now: Date = new Date(),
): E.Either<StateVersionError, Backup> => {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TypeError(
      `Expected createBackup's now to be a valid Date (or nothing, for the current time), got ${showValue(now)}`,
    );
  }
  if (typeof versionKey !== 'string' && !Array.isArray(versionKey)) {
    throw new TypeError(
      `Expected createBackup's versionKey to be a key or a path of keys, got ${showValue(versionKey)}`,
    );
  }
  return pipe(
    copyObject(state, 'a state object to back up'),
    E.map((copy) => {
      const info: BackupInfo = {
        timestamp: now.toISOString(),
        original_version: versionAt(copy, versionKey),
      };
      return { ...copy, [BACKUP_KEY]: info } as Backup;
    }),
  );
};

/**
 * A deep copy of a backup without its `_migration_backup` field; warns through `logger` when
 * the field is absent (the copy is returned anyway).
 *
 * @since 0.1.0
 */
export const restoreBackup = (
  backup: unknown,
  logger: Logger,
): E.Either<StateVersionError, StateObject> =>
  pipe(
    copyObject(backup, 'a backup object to restore'),
    E.map((copy) => {
      if (!Object.prototype.hasOwnProperty.call(copy, BACKUP_KEY)) {
        logger.warn(
          `restoreFromBackup: the state has no ${BACKUP_KEY} field; returning a copy as it is`,
        );
        return copy;
      }
      const { [BACKUP_KEY]: _info, ...state } = copy;
      return state;
    }),
  );
