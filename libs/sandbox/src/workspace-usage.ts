import fs from 'node:fs/promises';
import path from 'node:path';

/** What a directory entry other than a regular file costs against the quota (its inode and name). */
const ENTRY_COST = 4096;

/**
 * The size of a working directory against its quota: the apparent size of every regular file (a
 * sparse file counts in full) plus a fixed cost per other entry, never following symbolic links.
 */
export async function workspaceUsage(root: string, signal?: AbortSignal): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const pending = [root];
  while (pending.length > 0) {
    signal?.throwIfAborted();
    const dir = pending.pop()!;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      files++;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        pending.push(p);
        bytes += ENTRY_COST;
      } else if (e.isFile()) {
        bytes += await fs.lstat(p).then((s) => s.size, () => 0);
      } else bytes += ENTRY_COST;
    }
  }
  return { bytes, files };
}
