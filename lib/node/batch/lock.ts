/**
 * One run per output: a file migration holds a lock on its output (with `proper-lockfile`:
 * a lock directory whose modification time the holder keeps fresh) for the whole run, its
 * partial and progress files included. A second run on the same output fails at once.
 *
 * A run killed with SIGKILL cannot remove its lock. So that the next run need not wait for
 * the lock to grow stale, the holder records its process id and host beside the lock; a lock
 * whose holder is a process of this host that no longer exists is taken over at once. Taking
 * over happens under a short second lock (the gate), which every run also holds while it
 * acquires, so two runs never both take over the same dead lock.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { readFileSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { describeCause } from '../../core/describe-cause.js';
import { writeFileAtomic } from '../files.js';

/** The files of an output's lock. */
export const lockFilesOf = (output: string) => ({
  /** The lock directory. */
  lock: `${output}.lock`,
  /** The gate held while a run acquires (or takes over) the lock. */
  gate: `${output}.lock-gate`,
  /** Who holds the lock: `{ pid, host }`. */
  owner: `${output}.lock.json`,
});

/** A held output lock. */
export interface OutputLock {
  /** Why the lock was lost during the run (another process removed it), if it was. */
  readonly lost: () => string | undefined;
  /** Releases the lock (idempotent). */
  readonly release: () => Promise<void>;
}

interface Owner {
  readonly pid: number;
  readonly host: string;
}

const readOwner = (file: string): Owner | undefined => {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Owner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const isLocked = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException | null)?.code === 'ELOCKED';

/**
 * Locks `output` for a run. A `Left` with a readable message when another run holds it.
 *
 * @example
 * const lock = await lockOutput('out/states.ndjson')
 * if (E.isRight(lock)) try { … } finally { await lock.right.release() }
 */
export const lockOutput = async (output: string): Promise<E.Either<string, OutputLock>> => {
  // Imported on first use: proper-lockfile installs exit handlers (and graceful-fs patches
  // fs) when it loads, which importing migraph must not do.
  const { default: lockfile } = await import('proper-lockfile');
  const files = lockFilesOf(output);
  let releaseGate: () => Promise<void>;
  try {
    // Locked under its own name: proper-lockfile keeps one lock per file name.
    releaseGate = await lockfile.lock(files.gate, {
      lockfilePath: files.gate,
      realpath: false,
      stale: 2_000,
      retries: { retries: 60, minTimeout: 50, maxTimeout: 100 },
      onCompromised: () => undefined,
    });
  } catch (cause) {
    return E.left(
      isLocked(cause)
        ? `${output} is being locked by another migraph run`
        : `Cannot lock ${output}: ${describeCause(cause)}`,
    );
  }
  let lost: string | undefined;
  const take = () =>
    lockfile.lock(output, {
      lockfilePath: files.lock,
      realpath: false,
      // Generous: a busy event loop must not lose the lock. A holder that died on this host
      // is recognised by its process id at once; only one on another host waits this long.
      stale: 120_000,
      update: 10_000,
      retries: 0,
      onCompromised: (error) => {
        lost = describeCause(error);
      },
    });
  try {
    let release: () => Promise<void>;
    try {
      release = await take();
    } catch (cause) {
      if (!isLocked(cause)) throw cause;
      const owner = readOwner(files.owner);
      const dead = owner === undefined || (owner.host === hostname() && !isAlive(owner.pid));
      if (!dead) {
        const holder =
          owner.host === hostname()
            ? `process ${owner.pid}`
            : `process ${owner.pid} on ${owner.host}`;
        return E.left(
          `${output} is being written by another migraph run (${holder}); wait for it to finish`,
        );
      }
      // Its holder died without releasing it (killed): take it over.
      await rmdir(files.lock).catch(() => undefined);
      release = await take();
    }
    await writeFileAtomic(files.owner, JSON.stringify({ pid: process.pid, host: hostname() }));
    let released = false;
    return E.right({
      lost: () => lost,
      release: async () => {
        if (released) return;
        released = true;
        await rm(files.owner, { force: true });
        await release().catch(() => undefined);
      },
    });
  } catch (cause) {
    return E.left(
      isLocked(cause)
        ? `${output} is being written by another migraph run; wait for it to finish`
        : `Cannot lock ${output}: ${describeCause(cause)}`,
    );
  } finally {
    await releaseGate().catch(() => undefined);
  }
};
