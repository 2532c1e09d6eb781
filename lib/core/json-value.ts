/**
 * JSON values and JSON Schema objects, as types: what the schema export, the schema diff, the
 * codec walker and the Standard Schema adapter exchange.
 *
 * @since 0.1.0
 */

/** A JSON value. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON Schema object (draft 2020-12). */
export type JsonSchema = { readonly [key: string]: JsonValue };
