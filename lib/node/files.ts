/**
 * Durable file writes: atomic replacement (temporary file, flush, rename) and directory sync.
 *
 * @since 0.1.0
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** A temporary path beside `file` (same directory, so the final rename is atomic). */
const tempPathFor = (file: string): string =>
  path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );

/**
 * Writes `text` to `file` atomically: to a temporary file beside it, flushed to disk, then
 * renamed over `file`. Readers see the old content or the new, never half of it; on failure
 * the temporary file is removed and `file` is untouched.
 *
 * @example
 * await writeFileAtomic('out/state.json', JSON.stringify(state))
 */
export const writeFileAtomic = async (file: string, text: string): Promise<void> => {
  const temp = tempPathFor(file);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(path.dirname(file));
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
