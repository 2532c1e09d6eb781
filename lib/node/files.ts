/**
 * Durable file writes: atomic replacement (temporary file, flush, rename) that keeps the
 * replaced file's mode and owner and writes through symlinks, directory sync, and the checks
 * an in-place rewrite makes before it starts.
 *
 * @since 0.1.0
 */
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { access, chmod, chown, lstat, open, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import * as E from '#fp/Either.js';

/** A temporary path beside `file` (same directory, so the final rename is atomic). */
const tempPathFor = (file: string): string =>
  path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );

const statOrUndefined = async (file: string): Promise<Stats | undefined> => {
  try {
    return await stat(file);
  } catch {
    return undefined;
  }
};

/**
 * Where writing `file` should go: `file` itself, or, when it is a symlink, the file it points
 * to (so the link stays a link).
 *
 * @example
 * await writeTarget('link.ndjson') // '/data/real.ndjson'
 */
export const writeTarget = async (file: string): Promise<string> => {
  try {
    if ((await lstat(file)).isSymbolicLink()) return await realpath(file);
  } catch {
    // Not there yet (or a dangling link): write the name given.
  }
  return file;
};

/**
 * Gives `temp` the mode and owner of `file`, when `file` exists: what an atomic replacement
 * needs so the new file is not more readable, or owned by someone else, than the old one.
 */
export const copyAttributes = async (file: string, temp: string): Promise<void> => {
  const before = await statOrUndefined(file);
  if (before === undefined) return;
  await chmod(temp, before.mode & 0o7777);
  const after = await stat(temp);
  if (after.uid !== before.uid || after.gid !== before.gid) {
    await chown(temp, before.uid, before.gid);
  }
};

/**
 * Writes `data` to `file` atomically: to a temporary file beside it, flushed to disk, then
 * renamed over `file`. Readers see the old content or the new, never half of it; on failure
 * the temporary file is removed and `file` is untouched. A file replaced keeps its mode and
 * owner; a symlink is written through (its target is replaced, the link stays).
 *
 * @example
 * await writeFileAtomic('out/state.json', JSON.stringify(state))
 */
export const writeFileAtomic = async (file: string, data: string | Uint8Array): Promise<void> => {
  const target = await writeTarget(file);
  const temp = tempPathFor(target);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await copyAttributes(target, temp);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(path.dirname(target));
};

/** Flushes a directory entry change (a rename) to disk; a no-op where that is not allowed. */
export const syncDirectory = async (dir: string): Promise<void> => {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms and file systems cannot fsync a directory; the rename is still atomic.
  }
};

const canWrite = async (file: string): Promise<boolean> =>
  access(file, constants.W_OK).then(
    () => true,
    () => false,
  );

/**
 * Whether `file` may be replaced in place keeping its mode and owner: a regular file (through
 * symlinks), writable (a file without any write bit counts as read-only, even for root), in a
 * directory this process may write, owned by this process's user and one of its groups unless
 * it runs as root. The reason in a `Left` otherwise.
 *
 * @example
 * await checkReplaceable('states.json') // Left('states.json is read-only (mode 444)')
 * @since 0.1.0
 */
export const checkReplaceable = async (file: string): Promise<E.Either<string, string>> => {
  let target: string;
  let info: Stats;
  try {
    target = await realpath(file);
    info = await stat(target);
  } catch {
    return E.left(`No such file: ${file}`);
  }
  if (!info.isFile()) return E.left(`${file} is not a regular file`);
  const mode = (info.mode & 0o777).toString(8);
  if ((info.mode & 0o222) === 0 || !(await canWrite(target))) {
    return E.left(`${file} is read-only (mode ${mode}): not rewriting it`);
  }
  if (!(await canWrite(path.dirname(target)))) {
    return E.left(`${file}: its directory is not writable, so it cannot be replaced atomically`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0) {
    if (info.uid !== uid) {
      return E.left(`${file} belongs to another user: rewriting it would change its owner`);
    }
    const groups = [process.getegid?.(), ...(process.getgroups?.() ?? [])];
    if (!groups.includes(info.gid)) {
      return E.left(`${file} belongs to a group of another user: rewriting it would change it`);
    }
  }
  return E.right(target);
};
