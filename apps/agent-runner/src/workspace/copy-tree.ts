import { constants as C } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { type DirHandle, errnoOf } from './dir-handle';
import { entryKind } from './walk';
import { ENTRY_COST_BYTES, USAGE_MAX_DEPTH } from './usage';

const CHUNK = 64 * 1024;

/** What may still be added to the target, and what the copy left out. */
export interface CopyBudget {
  bytes: number;
  files: number;
}

export interface CopyTally {
  bytes: number;
  files: number;
  special: number;
  hardLinked: number;
}

/** The copy would take the target past its quota; it stopped there. */
export class CopyOverQuota extends Error {
  constructor() {
    super('the copy would exceed the workspace quota');
    this.name = 'CopyOverQuota';
  }
}

const swallow =
  (...codes: string[]) =>
  (err: unknown): undefined => {
    if (codes.includes(errnoOf(err) ?? '')) return undefined;
    throw err;
  };

/**
 * Copies the tree under `src` into `dst`, adding only what `dst` lacks (nothing is overwritten).
 * Through descriptors, never following a link: links are copied as links (their text, never what
 * they point to); FIFOs, sockets and devices are left out, and so are files with more than one hard
 * link (the other link may be outside the workspace: copying would bring its content in as an
 * ordinary file). Throws CopyOverQuota once `budget` is spent.
 */
export async function copyTree(
  src: DirHandle,
  dst: DirHandle,
  budget: CopyBudget,
  tally: CopyTally,
  depth = 1,
): Promise<void> {
  for (const entry of await src.entries()) {
    const kind = entryKind(entry);
    if (kind === 'other') {
      tally.special += 1;
    } else if (kind === 'symlink') {
      const target = await src.readlink(entry.name).catch(swallow('ENOENT', 'EINVAL'));
      if (target === undefined) continue;
      charge(budget, tally, ENTRY_COST_BYTES);
      await dst.symlink(target, entry.name).catch(swallow('EEXIST'));
    } else if (kind === 'file') {
      await copyFile(src, dst, entry.name, budget, tally);
    } else if (depth < USAGE_MAX_DEPTH) {
      await copyDir(src, dst, entry.name, budget, tally, depth);
    }
  }
}

async function copyDir(
  src: DirHandle,
  dst: DirHandle,
  name: Buffer,
  budget: CopyBudget,
  tally: CopyTally,
  depth: number,
): Promise<void> {
  const from = await src.openDir(name).catch(swallow('ENOENT', 'ENOTDIR', 'ELOOP'));
  if (!from) return;
  try {
    const made = await dst.mkdir(name).then(() => true, swallow('EEXIST'));
    if (made) charge(budget, tally, ENTRY_COST_BYTES);
    // An existing entry that is not a directory (or is a link) is left alone, with what would go below it.
    const to = await dst.openDir(name).catch(swallow('ENOTDIR', 'ELOOP'));
    if (!to) return;
    try {
      await copyTree(from, to, budget, tally, depth + 1);
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

async function copyFile(
  src: DirHandle,
  dst: DirHandle,
  name: Buffer,
  budget: CopyBudget,
  tally: CopyTally,
): Promise<void> {
  const from = await src.openFile(name, C.O_RDONLY).catch(swallow('ENOENT', 'ELOOP', 'ENXIO'));
  if (!from) return;
  try {
    const stat = await from.stat();
    if (!stat.isFile()) {
      tally.special += stat.isDirectory() ? 0 : 1;
      return;
    }
    if (stat.nlink > 1) {
      tally.hardLinked += 1;
      return;
    }
    if (stat.size > budget.bytes) throw new CopyOverQuota();
    const to = await dst.openFile(name, C.O_WRONLY | C.O_CREAT | C.O_EXCL, stat.mode & 0o777).catch(swallow('EEXIST'));
    if (!to) return;
    try {
      charge(budget, tally, 0);
      await pump(from, to, budget, tally);
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

/** Copies a file's content in chunks, charging each (the file may grow while it is copied). */
async function pump(from: FileHandle, to: FileHandle, budget: CopyBudget, tally: CopyTally): Promise<void> {
  const buf = Buffer.alloc(CHUNK);
  for (;;) {
    const { bytesRead } = await from.read(buf, 0, CHUNK, null);
    if (bytesRead === 0) return;
    if (bytesRead > budget.bytes) throw new CopyOverQuota();
    budget.bytes -= bytesRead;
    tally.bytes += bytesRead;
    for (let done = 0; done < bytesRead;) done += (await to.write(buf, done, bytesRead - done)).bytesWritten;
  }
}

/** One more entry costing `bytes`. */
function charge(budget: CopyBudget, tally: CopyTally, bytes: number): void {
  if (budget.files < 1 || budget.bytes < bytes) throw new CopyOverQuota();
  budget.files -= 1;
  budget.bytes -= bytes;
  tally.files += 1;
  tally.bytes += bytes;
}
