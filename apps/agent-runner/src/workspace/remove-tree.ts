import type { DirHandle } from './dir-handle';
import { errnoOf } from './dir-handle';

const ignoreMissing = (err: unknown): void => {
  if (errnoOf(err) !== 'ENOENT') throw err;
};

/**
 * Removes `name` in `parent` and everything below it; answers whether there was anything. Works
 * through descriptors and never follows a symbolic link (a link is removed, not its target), so a
 * tree rearranged during the removal cannot turn it onto something outside. A directory its owner
 * made unwritable or unreadable is made accessible again first.
 */
export async function removeEntry(parent: DirHandle, name: Buffer): Promise<boolean> {
  let dir: DirHandle;
  try {
    dir = await openForRemoval(parent, name);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return false;
    if (code !== 'ENOTDIR' && code !== 'ELOOP') throw err;
    await unlinkEntry(parent, name);
    return true;
  }
  try {
    for (const entry of await dir.entries()) {
      if (entry.isDirectory()) await removeEntry(dir, entry.name);
      else await unlinkEntry(dir, entry.name);
    }
  } finally {
    await dir.close();
  }
  await withWritable(parent, () => parent.rmdir(name));
  return true;
}

/** Runs `op` on an entry of `dir`; refused for want of write permission on `dir`, makes it writable (u+rwx) and tries once more. */
async function withWritable(dir: DirHandle, op: () => Promise<void>): Promise<void> {
  try {
    await op();
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return;
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    await dir.chmod(((await dir.stat()).mode & 0o7777) | 0o700);
    await op().catch(ignoreMissing);
  }
}

async function openForRemoval(parent: DirHandle, name: Buffer): Promise<DirHandle> {
  try {
    return await parent.openDir(name);
  } catch (err) {
    if (errnoOf(err) !== 'EACCES') throw err;
    await parent.unlockDir(name);
    return parent.openDir(name);
  }
}

async function unlinkEntry(dir: DirHandle, name: Buffer): Promise<void> {
  try {
    await dir.unlink(name);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return;
    // A directory now (swapped in since it was listed): removed as one, through its descriptor.
    if (code === 'EISDIR' || code === 'EPERM') {
      const stat = await dir.lstat(name).catch(() => undefined);
      if (stat?.isDirectory()) {
        await removeEntry(dir, name);
        return;
      }
    }
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    await withWritable(dir, () => dir.unlink(name));
  }
}
