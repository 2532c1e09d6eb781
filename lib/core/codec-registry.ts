/**
 * The codecs of a migrator, by version, each with its compiled check: compiled on first use
 * (never at registration, so importing a module that registers codecs generates no code), and
 * never under `jitless`, where `decode` alone decides.
 *
 * @since 0.1.0
 */
import type * as t from 'io-ts';
import { compileCheck, type QuickCheck } from './quick-check.js';
import type { Version } from './version.js';

/** The key of the fallback codec: versions without a codec of their own use it. */
export type CodecKey = Version | '*';

/** Not compiled yet. */
const PENDING = Symbol('pending');

/**
 * A codec and its compiled check, compiled on the first {@link Validator.check} call.
 *
 * @since 0.1.0
 */
export class Validator {
  private compiled: QuickCheck | undefined | typeof PENDING;

  constructor(
    readonly codec: t.Decoder<unknown, unknown>,
    jitless: boolean,
  ) {
    this.compiled = jitless ? undefined : PENDING;
  }

  /**
   * A check true only for values `decode` accepts (a valid state then costs one walk), or
   * undefined: a codec that transforms, a `jitless` registry, or code generation refused.
   */
  check(): QuickCheck | undefined {
    if (this.compiled === PENDING) this.compiled = compileCheck(this.codec);
    return this.compiled;
  }
}

/**
 * Codecs by version, and the `'*'` fallback. A codec registered for several versions has one
 * {@link Validator}, so it is compiled once.
 *
 * @since 0.1.0
 */
export class CodecRegistry {
  private readonly byVersion = new Map<CodecKey, Validator>();
  private readonly byCodec = new WeakMap<t.Decoder<unknown, unknown>, Validator>();

  /** `jitless`: checks are never compiled (no code is generated). */
  constructor(readonly jitless: boolean) {}

  set(version: CodecKey, codec: t.Decoder<unknown, unknown>): void {
    let validator = this.byCodec.get(codec);
    if (validator === undefined) {
      validator = new Validator(codec, this.jitless);
      this.byCodec.set(codec, validator);
    }
    this.byVersion.set(version, validator);
  }

  /** The validator that applies to `version`: its own, else the fallback's. */
  validatorFor(version: Version | undefined): Validator | undefined {
    return (
      (version === undefined ? undefined : this.byVersion.get(version)) ?? this.byVersion.get('*')
    );
  }

  /** Whether `version` has a codec of its own (the fallback not counted). */
  hasOwn(version: Version): boolean {
    return this.byVersion.has(version);
  }

  /** Every registered codec with its key. */
  entries(): [CodecKey, t.Decoder<unknown, unknown>][] {
    return [...this.byVersion].map(([key, validator]) => [key, validator.codec]);
  }
}
