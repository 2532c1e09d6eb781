/**
 * The table of an SQL store: identifier quoting, the `migraph_rejected` table's name, the
 * checks of a store's table options, and the errors for a table or column that is not there.
 *
 * @since 0.1.0
 */
import { StoreError } from '../../core/store.js';
import { checkOptions, type OptionRules } from '../../core/options.js';

/** The table where rejected rows are recorded, unless a store names another. */
export const REJECTED_TABLE = 'migraph_rejected';

/** A SQL identifier, double-quoted (names are taken exactly as given, case included). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A possibly schema-qualified name (`agents`, `app.agents`) quoted part by part. */
export const quoteQualified = (name: string): string => name.split('.').map(quoteIdent).join('.');

/** The schema part of a qualified name, if any (`app.agents` → `app`). */
export const schemaOf = (name: string): string | undefined => {
  const parts = name.split('.');
  return parts.length > 1 ? parts.slice(0, -1).join('.') : undefined;
};

/** The rejected table of a store: `rejectedTable`, else `migraph_rejected` beside the table. */
export const rejectedTableOf = (table: string, rejectedTable: string | undefined): string => {
  if (rejectedTable !== undefined) return rejectedTable;
  const schema = schemaOf(table);
  return schema === undefined ? REJECTED_TABLE : `${schema}.${REJECTED_TABLE}`;
};

/** Options every SQL store has. */
export interface TableOptions {
  /** The table, optionally schema-qualified (`agents`, `app.agents`); names are case-sensitive. */
  readonly table: string;
  /** The column holding each row's state as JSON. */
  readonly column: string;
  /** The column identifying rows (unique, NOT NULL, ordered). Default `'id'`. */
  readonly id?: string;
  /** Where rejected rows are recorded. Default `migraph_rejected` (in the table's schema). */
  readonly rejectedTable?: string;
}

const checkName = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || value === '' || value.split('.').some((p) => p === '')) {
    throw new TypeError(`Expected ${name} to be a non-empty name, got ${String(value)}`);
  }
  return value;
};

/** The table options, checked (a `TypeError` names the bad one). */
export const checkTableOptions = (
  options: TableOptions,
  where: string,
  driver: OptionRules,
): Required<TableOptions> => {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('Expected store options { table, column, … }');
  }
  checkOptions(where, options, {
    table: 'any',
    column: 'any',
    id: 'any',
    rejectedTable: 'any',
    ...driver,
  });
  const table = checkName(options.table, 'table');
  const column = checkName(options.column, 'column');
  const id = checkName(options.id ?? 'id', 'id');
  if (column.includes('.') || id.includes('.')) {
    throw new TypeError(`Expected column and id to be column names, got ${column} and ${id}`);
  }
  const rejectedTable = rejectedTableOf(
    table,
    options.rejectedTable === undefined
      ? undefined
      : checkName(options.rejectedTable, 'rejectedTable'),
  );
  return { table, column, id, rejectedTable };
};

/** The error for a driver that is not installed. */
export const missingDriver = (driver: string, entry: string, cause: unknown): StoreError =>
  new StoreError(`${entry} needs the ${driver} package: npm install ${driver}`, {
    reason: 'missing_driver',
    cause,
  });

/** The error for a table that does not exist. */
export const noTable = (store: string, table: string): StoreError =>
  new StoreError(`${store}: no table ${table} (names are case-sensitive)`, {
    reason: 'schema',
    store,
  });

/** The error for a column (`what`: `column`, `id column`) the table does not have. */
export const noColumn = (
  store: string,
  table: string,
  what: string,
  column: string,
  columns: readonly string[],
): StoreError =>
  new StoreError(
    `${store}: table ${table} has no ${what} ${column} (it has ${columns.join(', ')})`,
    {
      reason: 'schema',
      store,
    },
  );
