import fs from 'node:fs/promises';
import path from 'node:path';

/** What a directory entry other than a regular file costs against the quota (its inode and name). */
const ENTRY_COST = 4096;

export interface UsageOptions {
  signal?: AbortSignal;
  /**
   * Give every entry not owned by this user and group to them, on the way (without following links):
   * a root runner's file tools write as root, and the sandbox's user must be able to change those files.
   */
  adopt?: { uid: number; gid: number };
}

/**
 * The size of a working directory against its quota: the apparent size of every regular file (a
 * sparse file counts in full) plus a fixed cost per other entry, never following symbolic links.
 */
export async function workspaceUsage(root: string, o: UsageOptions = {}): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const pending = [root];
  if (o.adopt) await adopt(root, o.adopt);
  while (pending.length > 0) {
    o.signal?.throwIfAborted();
    const dir = pending.pop()!;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      files++;
      const p = path.join(dir, e.name);
      if (o.adopt) await adopt(p, o.adopt);
      if (e.isDirectory()) {
        pending.push(p);
        bytes += ENTRY_COST;
      } else if (e.isFile()) {
        bytes += await fs.lstat(p).then(
          (s) => s.size,
          () => 0,
        );
      } else bytes += ENTRY_COST;
    }
  }
  return { bytes, files };
}

async function adopt(p: string, owner: { uid: number; gid: number }): Promise<void> {
  const st = await fs.lstat(p).catch(() => undefined);
  if (st && (st.uid !== owner.uid || st.gid !== owner.gid)) await fs.lchown(p, owner.uid, owner.gid).catch(() => undefined);
}
