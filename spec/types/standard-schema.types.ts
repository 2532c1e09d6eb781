// Type tests for Standard Schema validators in typed chains: compiled by `tsc --noEmit` in
// `npm test`. Each `@ts-expect-error` fails the build if the compiler stops rejecting the line
// under it.
import type { StandardSchemaV1 as SpecStandardSchemaV1 } from '@standard-schema/spec';
import { type } from 'arktype';
import type * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import * as v from 'valibot';
import { z } from 'zod';
import {
  fromStandardSchema,
  Migrator,
  versioned,
  type InferOutput,
  type MigraphError,
  type StandardSchemaType,
  type StandardSchemaV1,
} from '../../lib/core/index.js';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_proof?: T): void => undefined;

const V1 = z.object({ state_version: z.string(), title: z.string() });
const V2 = z.object({ state_version: z.string(), title: z.string(), tags: z.array(z.string()) });
const V3 = z.object({
  state_version: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  theme: z.enum(['light', 'dark']).optional(),
});
type V1 = z.infer<typeof V1>;
type V2 = z.infer<typeof V2>;
type V3 = z.infer<typeof V3>;

// The spec's own type fits migraph's structural one, and zod's, valibot's, arktype's do too.
const _spec: StandardSchemaV1 = {} as SpecStandardSchemaV1;
const _zod: StandardSchemaV1 = V1;
const _valibot: StandardSchemaV1 = v.object({ a: v.string() });
const _arktype: StandardSchemaV1 = type({ a: 'string' });

const chain = versioned('1.0.0', V1)
  .to('1.1.0', V2, { up: (s) => ({ ...s, tags: [] }), down: ({ tags: _tags, ...s }) => s })
  .to('2.0.0', V3, { up: ({ title, ...s }) => ({ ...s, name: title }) });

// Each version's type is inferred from its validator.
const built = chain.build();
const _newest = built.migrate({});
assertType<Equal<typeof _newest, E.Either<MigraphError, V3>>>();
const _middle = built.migrate({}, '1.1.0');
assertType<Equal<typeof _middle, E.Either<MigraphError, V2>>>();
const _oldest = built.migrate({}, '1.0.0');
assertType<Equal<typeof _oldest, E.Either<MigraphError, V1>>>();

// `up` receives the source version's type; `down` the target's.
versioned('1.0.0', V1).to('1.1.0', V2, {
  up: (s) => {
    assertType<Equal<typeof s, V1>>();
    return { ...s, tags: [] };
  },
  down: (s) => {
    assertType<Equal<typeof s, V2>>();
    return s;
  },
});

// An `up` returning the wrong shape is rejected.
versioned('1.0.0', V1).to('1.1.0', V2, {
  // @ts-expect-error `tags` must be a string[]
  up: (s) => ({ ...s, tags: 'none' }),
});
versioned('1.0.0', V1).to('1.1.0', V2, {
  // @ts-expect-error `tags` is missing
  up: (s) => ({ ...s }),
});
versioned('1.0.0', V1).to('1.1.0', V3, {
  // @ts-expect-error `theme` must be 'light' | 'dark'
  up: ({ title, ...s }) => ({ ...s, name: title, tags: [], theme: 'blue' }),
});

// io-ts codecs and validators mix in one chain.
const IoV2 = t.type({ state_version: t.string, title: t.string, tags: t.array(t.string) });
const mixed = versioned('1.0.0', V1)
  .to('1.1.0', IoV2, { up: (s) => ({ ...s, tags: [] }) })
  .to('2.0.0', V3, { up: ({ title, ...s }) => ({ ...s, name: title }) })
  .build();
const _mixed = mixed.migrate({}, '1.1.0');
assertType<Equal<typeof _mixed, E.Either<MigraphError, t.TypeOf<typeof IoV2>>>>();

// valibot and arktype chains infer the same way.
const ValibotV1 = v.object({ state_version: v.string(), n: v.number() });
const ArkV2 = type({ state_version: 'string', n: 'number', label: 'string' });
versioned('1.0.0', ValibotV1).to('1.1.0', ArkV2, {
  up: (s) => {
    assertType<Equal<typeof s, { state_version: string; n: number }>>();
    return { ...s, label: String(s.n) };
  },
  // @ts-expect-error `n` must be a number
  down: ({ label, ...s }) => ({ ...s, n: label }),
});

// The adapted codec is typed by the validator's output.
const _adapted = fromStandardSchema(V3);
assertType<Equal<typeof _adapted, StandardSchemaType<V3, z.input<typeof V3>>>>();
assertType<Equal<InferOutput<typeof V3>, V3>>();

// `m.schema` accepts a validator; anything else is still rejected.
new Migrator().schema('1.0.0', V1).schema('2.0.0', type({ a: 'string' }));
// @ts-expect-error not a codec or a validator
new Migrator().schema('1.0.0', { validate: 1 });
