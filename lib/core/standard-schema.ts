/**
 * Standard Schema v1 validators (zod 4, valibot 1, arktype 2, Effect Schema, …) as io-ts codecs:
 * adapted once, at registration, so validation modes, error paths, the blame of a step, the
 * typed chain, snapshots and `migraph test` treat them as any codec. No schema library is a
 * dependency: the interface is structural, as the Standard Schema spec intends.
 *
 * @since 0.1.0
 */
import * as t from 'io-ts';
import type { JsonSchema } from './json-value.js';
import { contextPath } from './report.js';
import { checkOptions } from './options.js';

/**
 * A Standard Schema v1 validator, as much of it as migraph reads: `@standard-schema/spec`'s
 * `StandardSchemaV1` (and its `StandardJSONSchemaV1` converter, when the library offers one)
 * fits it.
 *
 * @since 0.1.0
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
    /** The JSON Schema converter of Standard JSON Schema v1 (zod ≥ 4.2, arktype ≥ 2.1.28). */
    readonly jsonSchema?: {
      readonly input: (options: { readonly target: string }) => Record<string, unknown>;
    };
  };
}

/** What a Standard Schema validator answers: a value, or issues. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: readonly {
        readonly message: string;
        readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
      }[];
    };

/** The type of the values a Standard Schema validator gives (`StandardSchemaV1.InferOutput`). */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<
  S['~standard']['types']
>['output'];

/** The type of the values a Standard Schema validator reads (`StandardSchemaV1.InferInput`). */
export type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];

/** Options of {@link fromStandardSchema}. */
export interface StandardSchemaOptions {
  /**
   * The JSON Schema of the values the validator accepts, for a library that offers none
   * (valibot: `toJsonSchema(schema)` of `@valibot/to-json-schema`), or to replace its own.
   */
  readonly jsonSchema?: JsonSchema;
  /** The codec's name (default: `<vendor> schema`), as `arbitraryFor`'s `overrides` know it. */
  readonly name?: string;
}

/** True when `value` is a Standard Schema v1 validator. */
export const isStandardSchema = (value: unknown): value is StandardSchemaV1 => {
  const props = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.[
    '~standard'
  ];
  return props?.version === 1 && typeof props.validate === 'function';
};

const isPromise = (value: unknown): value is Promise<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

const refuseAsync = (vendor: string, answer: Promise<unknown>): string => {
  answer.then(undefined, () => undefined);
  return `The ${vendor} validator answered with a promise: migraph validates synchronously, so a schema with async checks cannot be a version's codec`;
};

/**
 * A Standard Schema v1 validator as an io-ts codec (see {@link fromStandardSchema}). Its JSON
 * Schema is read by `toJsonSchema` (in `json-schema.ts`), so a bundle that only validates
 * carries none of that.
 *
 * @since 0.1.0
 */
export class StandardSchemaType<A = unknown, I = unknown> extends t.Type<A, I> {
  /** How the codec walker recognises it. */
  readonly _tag = 'StandardSchemaType' as const;
  /** The JSON Schema given with `options.jsonSchema`, which replaces the library's own. */
  readonly jsonSchema: JsonSchema | undefined;

  constructor(
    /** The validator adapted. */
    readonly validator: StandardSchemaV1<I, A>,
    options: StandardSchemaOptions = {},
  ) {
    const { vendor, validate } = validator['~standard'];
    const answer = (u: unknown) => {
      const result = validate(u);
      if (isPromise(result)) throw new TypeError(refuseAsync(vendor, result));
      return result;
    };
    super(
      options.name ?? `${vendor} schema`,
      (u): u is A => !answer(u).issues,
      (u, c) => {
        const result = answer(u);
        if (!result.issues) return t.success(result.value);
        return t.failures(
          result.issues.map(({ message, path = [] }) => {
            const keys = path.map((k) => String(typeof k === 'object' ? k.key : k));
            const context = [...c, ...keys.map((key) => ({ key, type: this }))];
            const where = contextPath(context);
            // Some libraries (arktype) start their message with the path already.
            const what = message.startsWith(`${where} `)
              ? message.slice(where.length + 1)
              : message;
            return { value: u, context, message: `${where}: ${what}` };
          }),
        );
      },
      (a) => a as unknown as I,
    );
    this.jsonSchema = options.jsonSchema;
    const probe = validate(undefined);
    if (isPromise(probe)) throw new TypeError(refuseAsync(vendor, probe));
  }
}

/**
 * Adapts a Standard Schema v1 validator (zod 4, valibot 1, arktype 2, …) into an io-ts codec
 * whose `validate` calls `~standard.validate`: each issue becomes an error at its field path.
 * `m.schema`, `versioned` and `.to` call it for you. A validator that answers with a promise
 * is refused with a `TypeError`, here if it does so for `undefined`, else at validation.
 *
 * @example
 * import { z } from 'zod';
 * m.schema('1.1.0', fromStandardSchema(z.object({ tags: z.array(z.string()) })))
 * // the same as m.schema('1.1.0', z.object({ tags: z.array(z.string()) }))
 * @since 0.1.0
 */
export const fromStandardSchema = <S extends StandardSchemaV1>(
  validator: S,
  options?: StandardSchemaOptions,
): StandardSchemaType<InferOutput<S>, InferInput<S>> => {
  checkOptions('fromStandardSchema()', options, { jsonSchema: 'any', name: 'any' });
  return new StandardSchemaType(validator as never, options);
};

/** A codec as given, or a Standard Schema validator adapted into one. */
export const asCodec = (codec: SchemaInput): t.Decoder<unknown, unknown> =>
  isStandardSchema(codec) ? fromStandardSchema(codec) : codec;

/** What `m.schema` accepts: an io-ts codec or a Standard Schema v1 validator. */
export type SchemaInput = t.Decoder<unknown, unknown> | StandardSchemaV1;
