/**
 * How migraph imports user code (migration scripts, schemas modules): JavaScript by `import()`,
 * TypeScript through `tsx` when it is installed, and, while loading, guarded against a module
 * that never finishes loading or that ends the process.
 *
 * @since 0.1.0
 */
import { describeCause } from '../core/describe-cause.js';

/** How long a module may take to load by default: 30 seconds. */
export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;

const loadTsx = async (): Promise<typeof import('tsx/esm/api')> => {
  try {
    return await import('tsx/esm/api');
  } catch (cause) {
    throw new Error(
      'Loading TypeScript migration files needs tsx: run `npm install --save-dev tsx` (or compile them to .js)',
      { cause },
    );
  }
};

/**
 * Imports a module by URL; `.ts`, `.mts` and `.cts` files go through `tsx`, so TypeScript
 * migrations load without a build step, in ES module and CommonJS packages alike.
 * Without `tsx` installed, a `.ts` file fails with one line saying to install it.
 *
 * @example
 * const module = await importModule(pathToFileURL('migrations/schemas.ts').href)
 */
export const importModule = async (url: string): Promise<unknown> => {
  if (!/\.[cm]?ts$/.test(new URL(url).pathname)) return import(url);
  try {
    // Where TypeScript already loads (a process running under tsx, or Node stripping types),
    // a plain import shares the module with the rest of the process: the same functions.
    return await import(url);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  const { tsImport } = await loadTsx();
  return tsImport(url, import.meta.url) as Promise<unknown>;
};

/** A module that did not load: it timed out, or it tried to end the process. */
export class ModuleLoadError extends Error {
  override readonly name = 'ModuleLoadError' as const;
  /** Why it did not load. */
  readonly reason: 'timeout' | 'exit';

  constructor(message: string, details: { readonly reason: 'timeout' | 'exit' }) {
    super(message);
    this.reason = details.reason;
  }
}

/** A process.exit call made by a module while it was loading, turned into a throw. */
class ExitDuringLoad extends Error {
  constructor(readonly code: unknown) {
    super(`it called process.exit(${describeCause(code ?? '')}) while loading`);
  }
}

/** The loads under way, each with its way to stop; `process.exit` is patched while any is. */
const loading = new Set<(error: ModuleLoadError) => void>();
let realExit: typeof process.exit | undefined;

/** Patches `process.exit` for the first load under way (loads may overlap). */
const refuseExit = (): void => {
  if (realExit !== undefined) return;
  realExit = process.exit;
  process.exit = ((code?: unknown) => {
    const called = new ExitDuringLoad(code);
    for (const stop of loading) stop(new ModuleLoadError(called.message, { reason: 'exit' }));
    throw called;
  }) as typeof process.exit;
};

/** Restores `process.exit` once the last load under way has ended. */
const allowExit = (): void => {
  if (loading.size > 0 || realExit === undefined) return;
  process.exit = realExit;
  realExit = undefined;
};

/**
 * Runs `load` (an import) with a time limit and with `process.exit` refused: a module that
 * does not settle within `timeoutMs` or that calls `process.exit` while it loads gives a
 * {@link ModuleLoadError} instead of hanging or ending the process. The process's own
 * `process.exit` is restored as soon as `load` settles or times out.
 *
 * @example
 * await guardedLoad(() => importModule(url), 30_000)
 */
export const guardedLoad = async <A>(load: () => Promise<A>, timeoutMs: number): Promise<A> => {
  let timer: NodeJS.Timeout | undefined;
  let stop: (error: ModuleLoadError) => void = () => undefined;
  const guard = new Promise<never>((_, reject) => {
    stop = reject;
    timer = setTimeout(() => {
      reject(
        new ModuleLoadError(
          `it did not finish loading within ${timeoutMs / 1000} s (a top-level await that never settles?)`,
          { reason: 'timeout' },
        ),
      );
    }, timeoutMs);
  });
  loading.add(stop);
  refuseExit();
  try {
    return await Promise.race([load(), guard]);
  } catch (cause) {
    throw cause instanceof ExitDuringLoad
      ? new ModuleLoadError(cause.message, { reason: 'exit' })
      : cause;
  } finally {
    clearTimeout(timer);
    loading.delete(stop);
    allowExit();
  }
};
