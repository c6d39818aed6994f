import { constants as C, existsSync, type Dirent, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';

/** What a directory entry that is not a regular file costs against the byte quota: one filesystem block. */
export const ENTRY_COST_BYTES = 4096;
/** The walk stops past this many entries (the runner's config keeps WORKSPACE_MAX_FILES under it). */
export const USAGE_MAX_ENTRIES = 2_000_000;
/** Directories nested deeper than this are counted but not entered (the walk holds one descriptor per level). */
export const USAGE_MAX_DEPTH = 128;
/** Files with several links remembered to count each once; past this, further links count again (an overcount). */
const MAX_REMEMBERED_LINKS = 100_000;
/** Entries whose sizes are asked for at once. */
const STAT_BATCH = 16;

export interface UsageOptions {
  signal?: AbortSignal;
  /**
   * Hand every entry not owned by this user and group to them on the way (without following links, through
   * the same descriptors): a root runner's file tools write as root, and the sandbox's user must be able to
   * change those files.
   */
  adopt?: { uid: number; gid: number };
}

export interface WorkspaceUsage {
  /** Apparent size of the regular files (a file with several links counted once) plus ENTRY_COST_BYTES per other entry. */
  bytes: number;
  /** Entries of every kind below the root: files, directories, links, others (each takes an inode). */
  files: number;
  /**
   * False when the walk stopped early: more than USAGE_MAX_ENTRIES entries or directories deeper than
   * USAGE_MAX_DEPTH. The counts are then lower bounds; whoever enforces a quota should treat such a
   * tree as over it.
   */
  complete: boolean;
}

/**
 * Node has no openat; on Linux `/proc/self/fd/<fd>/<name>` names `<name>` in the directory that
 * descriptor holds, whatever its path leads to now. Elsewhere the directory's path is used.
 */
const PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd') ? '/proc/self/fd' : undefined;
const DIR_OPEN = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;

interface OpenDir {
  handle: FileHandle;
  path: Buffer;
}

const base = (d: OpenDir): Buffer => (PROC_FD ? Buffer.from(`${PROC_FD}/${d.handle.fd}`) : d.path);
const at = (d: OpenDir, name: Buffer): Buffer => Buffer.concat([base(d), Buffer.from('/'), name]);

/**
 * What a working directory holds, for its quota. Never follows a symbolic link (a link costs
 * ENTRY_COST_BYTES, whatever it points to) and walks through descriptors, each directory opened
 * with O_NOFOLLOW relative to its parent's descriptor, so a tree a running command rearranges
 * meanwhile is never measured somewhere else. A missing root holds nothing. Bounded: at most
 * USAGE_MAX_ENTRIES entries and USAGE_MAX_DEPTH levels, one `lstat` per regular file in batches of
 * 16 (about 0.7 s for 20,000 files on a loaded 2-core machine); `signal` aborts it.
 */
export async function workspaceUsage(root: string, o: UsageOptions = {}): Promise<WorkspaceUsage> {
  let top: OpenDir;
  try {
    top = { handle: await fs.open(root, DIR_OPEN), path: Buffer.from(root) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: 0, files: 0, complete: true };
    throw err;
  }
  const usage: WorkspaceUsage = { bytes: 0, files: 0, complete: true };
  try {
    if (o.adopt) {
      // The root itself through its descriptor (its /proc/self/fd path is a link: lchown would change the link).
      const st = await top.handle.stat();
      if (st.uid !== o.adopt.uid || st.gid !== o.adopt.gid) await top.handle.chown(o.adopt.uid, o.adopt.gid);
    }
    await measure(top, 1, usage, new Set(), o);
  } finally {
    await top.handle.close();
  }
  return usage;
}

async function measure(
  dir: OpenDir,
  depth: number,
  usage: WorkspaceUsage,
  seenLinked: Set<string>,
  o: UsageOptions,
): Promise<void> {
  const { signal } = o;
  signal?.throwIfAborted();
  const entries: Array<Dirent<Buffer>> = await fs.readdir(base(dir), { withFileTypes: true, encoding: 'buffer' });
  const files: Buffer[] = [];
  for (const entry of entries) {
    if (++usage.files > USAGE_MAX_ENTRIES) {
      usage.complete = false;
      return;
    }
    if (o.adopt) await adopt(at(dir, entry.name), o.adopt);
    if (entry.isFile() && !entry.isSymbolicLink()) {
      files.push(entry.name);
      continue;
    }
    usage.bytes += ENTRY_COST_BYTES;
    if (!entry.isDirectory() || entry.isSymbolicLink()) continue;
    if (depth >= USAGE_MAX_DEPTH) {
      usage.complete = false;
      continue;
    }
    // Gone, or no longer a directory (a link now): nothing to enter.
    const handle = await fs.open(at(dir, entry.name), DIR_OPEN).catch(() => undefined);
    if (!handle) continue;
    try {
      await measure(
        { handle, path: Buffer.concat([dir.path, Buffer.from('/'), entry.name]) },
        depth + 1,
        usage,
        seenLinked,
        o,
      );
    } finally {
      await handle.close();
    }
    if (usage.files > USAGE_MAX_ENTRIES) return;
  }
  for (let i = 0; i < files.length; i += STAT_BATCH) {
    signal?.throwIfAborted();
    const stats = await Promise.all(
      files.slice(i, i + STAT_BATCH).map((name) => fs.lstat(at(dir, name)).catch(() => undefined)),
    );
    for (const s of stats) if (s) usage.bytes += sizeOf(s, seenLinked);
  }
}

/** A regular file's apparent size (0 for a further link to one already counted); ENTRY_COST_BYTES for anything else now there. */
function sizeOf(s: Stats, seenLinked: Set<string>): number {
  if (!s.isFile()) return ENTRY_COST_BYTES;
  if (s.nlink > 1) {
    const key = `${s.dev}:${s.ino}`;
    if (seenLinked.has(key)) return 0;
    if (seenLinked.size < MAX_REMEMBERED_LINKS) seenLinked.add(key);
  }
  return s.size;
}

/** lchown of an entry not already owned by `owner` (a link is changed itself, never its target). */
async function adopt(p: Buffer, owner: { uid: number; gid: number }): Promise<void> {
  const st = await fs.lstat(p).catch(() => undefined);
  if (st && (st.uid !== owner.uid || st.gid !== owner.gid)) await fs.lchown(p, owner.uid, owner.gid).catch(() => undefined);
}
