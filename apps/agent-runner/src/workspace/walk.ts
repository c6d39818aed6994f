import type { Dirent } from 'node:fs';
import { type DirHandle, errnoOf } from './dir-handle';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface TreeEntry {
  /** The directory holding the entry, open while the consumer looks at the entry. */
  dir: DirHandle;
  name: Buffer;
  /** The walk's prefix, then the path from its start directory to the entry (the entry's name last). */
  path: Buffer[];
  kind: EntryKind;
  /** 1 for the start directory's own entries. */
  depth: number;
}

export interface TreeWalkOptions {
  /** 1 walks only the start directory's own entries; directories at this depth are reported, not entered. */
  maxDepth: number;
  signal?: AbortSignal | undefined;
}

export const entryKind = (d: Dirent<Buffer>): EntryKind =>
  d.isSymbolicLink() ? 'symlink' : d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other';

/**
 * Walks a tree depth-first in byte order of names, from an open directory. Never follows a symbolic
 * link (reported, not entered); each directory is entered through its parent's descriptor with
 * O_NOFOLLOW, so one swapped for a link meanwhile is skipped rather than followed. Holds one
 * descriptor per level.
 */
export async function* walkTree(
  start: DirHandle,
  o: TreeWalkOptions,
  prefix: readonly Buffer[] = [],
  depth = 1,
): AsyncGenerator<TreeEntry> {
  o.signal?.throwIfAborted();
  const entries = await start.entries();
  entries.sort((a, b) => Buffer.compare(a.name, b.name));
  for (const entry of entries) {
    const kind = entryKind(entry);
    const entryPath = [...prefix, entry.name];
    yield { dir: start, name: entry.name, path: entryPath, kind, depth };
    if (kind !== 'dir' || depth >= o.maxDepth) continue;
    const sub = await start.openDir(entry.name).catch((err: unknown) => {
      // Gone, or no longer a directory (a link now): nothing to enter.
      if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errnoOf(err) ?? '')) return undefined;
      throw err;
    });
    if (!sub) continue;
    try {
      yield* walkTree(sub, o, entryPath, depth + 1);
    } finally {
      await sub.close();
    }
  }
}

/** `parts` joined with `/`, as bytes. */
export const joinParts = (parts: readonly Buffer[]): Buffer =>
  Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from('/'), p])));
