import { constants as C, existsSync, type Dirent, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';

/**
 * Node has no openat/unlinkat, but on Linux `/proc/self/fd/<fd>/<name>` names `<name>` inside the
 * directory that descriptor holds, whatever has happened to the path it was opened by since:
 * every operation below is relative to an open directory, so swapping a directory for a symbolic
 * link cannot redirect it. Elsewhere (a developer's macOS) the directory's path is used instead,
 * component by component with O_NOFOLLOW: right for everything but a concurrent swap.
 */
const PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd') ? '/proc/self/fd' : undefined;

/** Extra open flags of every descriptor the file tools open: never follow the last component, never block (FIFOs), never adopt a terminal. */
export const SAFE_OPEN = C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY;
const DIR_OPEN = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;
/** Linux's O_PATH (not in fs.constants): a descriptor that only names an inode, for chmod through /proc. */
const O_PATH = 0o10000000;

const SLASH = Buffer.from('/');

export const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

/** An open directory; names are single components (no `/`), as bytes or UTF-8 text. */
export class DirHandle {
  private constructor(
    private readonly handle: FileHandle,
    private readonly abs: Buffer,
  ) {}

  /** Opens a directory by absolute path; its last component must not be a symbolic link unless `follow`. */
  static async open(abs: string, o: { follow?: boolean } = {}): Promise<DirHandle> {
    const flags = o.follow ? DIR_OPEN & ~C.O_NOFOLLOW : DIR_OPEN;
    return new DirHandle(await fs.open(abs, flags), Buffer.from(abs));
  }

  /** A path naming `name` in this directory (see the module comment). */
  at(name: Buffer | string): Buffer {
    const base = PROC_FD ? Buffer.from(`${PROC_FD}/${this.handle.fd}`) : this.abs;
    return Buffer.concat([base, SLASH, typeof name === 'string' ? Buffer.from(name) : name]);
  }

  /** Opens a subdirectory without following a symbolic link (ELOOP or ENOTDIR when `name` is not a directory). */
  async openDir(name: Buffer): Promise<DirHandle> {
    const handle = await fs.open(this.at(name), DIR_OPEN);
    return new DirHandle(handle, Buffer.concat([this.abs, SLASH, name]));
  }

  /** Opens an entry with `flags` plus SAFE_OPEN. */
  openFile(name: Buffer, flags: number, mode?: number): Promise<FileHandle> {
    return fs.open(this.at(name), flags | SAFE_OPEN, mode);
  }

  /** The entries, unsorted; names as bytes, types as the directory reports them (never following links). */
  entries(): Promise<Array<Dirent<Buffer>>> {
    return fs.readdir(PROC_FD ? `${PROC_FD}/${this.handle.fd}` : this.abs, { withFileTypes: true, encoding: 'buffer' });
  }

  lstat(name: Buffer): Promise<Stats> {
    return fs.lstat(this.at(name));
  }

  stat(): Promise<Stats> {
    return this.handle.stat();
  }

  readlink(name: Buffer): Promise<Buffer> {
    return fs.readlink(this.at(name), { encoding: 'buffer' });
  }

  mkdir(name: Buffer, mode = 0o777): Promise<void> {
    return fs.mkdir(this.at(name), { mode });
  }

  symlink(target: Buffer, name: Buffer): Promise<void> {
    return fs.symlink(target, this.at(name));
  }

  unlink(name: Buffer): Promise<void> {
    return fs.unlink(this.at(name));
  }

  rmdir(name: Buffer): Promise<void> {
    return fs.rmdir(this.at(name));
  }

  rename(from: Buffer, to: Buffer): Promise<void> {
    return fs.rename(this.at(from), this.at(to));
  }

  chmod(mode: number): Promise<void> {
    return this.handle.chmod(mode);
  }

  /**
   * Makes the subdirectory `name` accessible to its owner (u+rwx) without following a link: through
   * an O_PATH descriptor on Linux; elsewhere not at all (chmod would follow a swapped-in link).
   */
  async unlockDir(name: Buffer): Promise<void> {
    if (!PROC_FD) return;
    const handle = await fs.open(this.at(name), O_PATH | C.O_DIRECTORY | C.O_NOFOLLOW);
    try {
      const { mode } = await fs.stat(`${PROC_FD}/${handle.fd}`);
      await fs.chmod(`${PROC_FD}/${handle.fd}`, (mode & 0o7777) | 0o700);
    } finally {
      await handle.close();
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** What kind of thing a stat describes, in words for the model. */
export function kindOf(s: Stats | Dirent<Buffer>): string {
  if (s.isFile()) return 'a regular file';
  if (s.isDirectory()) return 'a directory';
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}
