import fs from 'node:fs/promises';
import path from 'node:path';

export interface WalkEntry {
  abs: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  depth: number;
}

export interface WalkOptions {
  /** 1 lists only the start directory's own entries. */
  maxDepth: number;
  signal: AbortSignal;
}

/** Walks a directory tree depth-first in name order; never follows symlinks (they are reported, not entered). */
export async function* walk(start: string, o: WalkOptions, depth = 1): AsyncGenerator<WalkEntry> {
  if (o.signal.aborted) throw o.signal.reason;
  const entries = await fs.readdir(start, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const abs = path.join(start, entry.name);
    const kind = entry.isSymbolicLink() ? 'symlink' : entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
    yield { abs, kind, depth };
    if (kind === 'dir' && depth < o.maxDepth) yield* walk(abs, o, depth + 1);
  }
}
