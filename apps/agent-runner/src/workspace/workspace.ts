import { constants as C, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import { ToolError } from '../tools/types';
import { DirHandle, errnoOf, kindOf } from './dir-handle';
import { displayOf, inQuotes, parseWorkspacePath, type WorkspacePath } from './workspace-path';
import { ENTRY_COST_BYTES, workspaceUsage, type WorkspaceUsage } from './usage';
import { checkQuota, type WorkspaceLimits } from './quota';

/** The session was deleted: its working directory is gone and is never made again. */
export class WorkspaceDeletedError extends ToolError {
  constructor() {
    super('This session has been deleted; its working directory is gone.');
    this.name = 'WorkspaceDeletedError';
  }
}

export interface WorkspaceOptions {
  limits: WorkspaceLimits;
  /** Whether the session was deleted (then the directory is never created again). */
  isDeleted: () => Promise<boolean>;
}

/** A measured usage stays good this long (plus this workspace's own writes); past it the tree is walked again. */
const USAGE_FRESH_MS = 5000;

/**
 * One session's working directory, as the file tools see it. Every path is checked lexically and
 * then walked component by component from a descriptor of the directory, each opened with
 * O_NOFOLLOW (see DirHandle): no symbolic link is followed anywhere in a path, so nothing resolves
 * outside, even while code the session runs rearranges the tree. Only regular files with a single
 * link are read or written, and each is checked on the descriptor actually opened (O_NONBLOCK: a
 * FIFO never blocks). Writes respect the workspace quota.
 */
export class Workspace {
  private measured: { usage: WorkspaceUsage; at: number } | undefined;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly o: WorkspaceOptions,
  ) {}

  get limits(): WorkspaceLimits {
    return this.o.limits;
  }

  /** Creates the working directory unless the session was deleted (WorkspaceDeletedError); answers its path. */
  async ensure(): Promise<string> {
    if (await this.o.isDeleted()) throw new WorkspaceDeletedError();
    await fs.mkdir(this.dir, { recursive: true });
    // Deletion writes its tombstone before it removes the directory: whichever of us comes second sees the other.
    if (await this.o.isDeleted()) {
      await fs.rmdir(this.dir).catch(() => undefined);
      throw new WorkspaceDeletedError();
    }
    return this.dir;
  }

  /** Opens the working directory itself, creating it on first use. */
  async openRoot(): Promise<DirHandle> {
    try {
      return await DirHandle.open(this.dir);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err;
    }
    await this.ensure();
    return DirHandle.open(this.dir);
  }

  /** Runs `fn` with the directory `input` names (open; closed afterwards). */
  async withDirectory<T>(input: string, fn: (dir: DirHandle, path: WorkspacePath) => Promise<T>): Promise<T> {
    const p = parseWorkspacePath(input);
    const dir = await this.openDirectory(p);
    try {
      return await fn(dir, p);
    } finally {
      await dir.close();
    }
  }

  /** Runs `fn` with the regular file `input` names, opened for reading (closed afterwards). */
  async withFile<T>(input: string, fn: (file: FileHandle, stat: Stats, path: WorkspacePath) => Promise<T>): Promise<T> {
    const p = parseWorkspacePath(input);
    const { dir, name } = await this.openParent(p, false);
    const file = await (
      name
        ? dir.openFile(name, C.O_RDONLY).catch((err: unknown) => this.openFailed(err, dir, name, p))
        : Promise.reject(new ToolError(`${p.display} is a directory; use list_files.`))
    ).finally(() => dir.close());
    try {
      const stat = await file.stat();
      if (stat.isDirectory()) throw new ToolError(`${p.display} is a directory; use list_files.`);
      assertPlainFile(stat, p.display);
      return await fn(file, stat, p);
    } finally {
      await file.close();
    }
  }

  /** Creates or replaces a regular file (and its missing parent directories), within the quota. */
  writeFile(input: string, content: Buffer): Promise<{ path: WorkspacePath; created: boolean }> {
    const done = this.writing.then(() => this.writeNow(input, content));
    this.writing = done.catch(() => undefined);
    return done;
  }

  /** The directory's usage: measured again once USAGE_FRESH_MS old, otherwise the last measure plus this workspace's writes. */
  async usage(signal?: AbortSignal): Promise<WorkspaceUsage> {
    if (!this.measured || Date.now() - this.measured.at > USAGE_FRESH_MS) {
      this.measured = { usage: await workspaceUsage(this.dir, { signal }), at: Date.now() };
    }
    return { ...this.measured.usage };
  }

  private async writeNow(input: string, content: Buffer): Promise<{ path: WorkspacePath; created: boolean }> {
    const p = parseWorkspacePath(input);
    const usage = await this.usage();
    // Missing parents mean a new file too: the quota is checked for both before any directory is made.
    const { dir, name, missing } = await this.openParent(p, true, (dirs) =>
      checkQuota(this.o.limits, usage, { bytes: dirs * ENTRY_COST_BYTES + content.length, files: dirs + 1 }, p.display),
    );
    try {
      if (!name) throw new ToolError(`${p.display} is a directory.`);
      let file = await dir
        .openFile(name, C.O_WRONLY)
        .catch((err: unknown) => (errnoOf(err) === 'ENOENT' ? undefined : this.openFailed(err, dir, name, p)));
      const created = file === undefined;
      try {
        const before = file ? await file.stat() : undefined;
        if (before) assertPlainFile(before, p.display);
        const growth = { bytes: content.length - (before?.size ?? 0), files: created ? 1 : 0 };
        checkQuota(
          this.o.limits,
          usage,
          { bytes: growth.bytes + missing * ENTRY_COST_BYTES, files: growth.files + missing },
          p.display,
        );
        // O_EXCL: a name that appeared since is not ours to take over.
        file ??= await dir
          .openFile(name, C.O_WRONLY | C.O_CREAT | C.O_EXCL, 0o666)
          .catch((err: unknown) => this.openFailed(err, dir, name, p));
        await file.truncate(0);
        await file.writeFile(content);
        this.account({ bytes: growth.bytes + missing * ENTRY_COST_BYTES, files: growth.files + missing });
        return { path: p, created };
      } finally {
        await file?.close();
      }
    } finally {
      await dir.close();
    }
  }

  private account(delta: { bytes: number; files: number }): void {
    if (!this.measured) return;
    this.measured.usage.bytes += delta.bytes;
    this.measured.usage.files += delta.files;
  }

  private async openDirectory(p: WorkspacePath): Promise<DirHandle> {
    const { dir, name } = await this.openParent(p, false);
    if (!name) return dir;
    try {
      return await dir.openDir(name).catch(async (err: unknown) => {
        if (errnoOf(err) === 'ENOENT') throw new ToolError(`No such directory: ${p.display}`);
        if (errnoOf(err) === 'ELOOP' || errnoOf(err) === 'ENOTDIR') {
          const stat = await dir.lstat(name);
          if (stat.isSymbolicLink()) throw symlinkRefusal(p.display);
          throw new ToolError(`Not a directory: ${p.display}`);
        }
        throw err;
      });
    } finally {
      await dir.close();
    }
  }

  /**
   * Opens the directory holding the last component of `p`, one component at a time with O_NOFOLLOW.
   * With `create`, missing directories are made (after `beforeCreate` is told how many); answers the
   * parent, the last name (undefined for the working directory itself) and how many were made.
   */
  private async openParent(
    p: WorkspacePath,
    create: boolean,
    beforeCreate?: (count: number) => void,
  ): Promise<{ dir: DirHandle; name: Buffer | undefined; missing: number }> {
    let dir = await this.openRoot();
    const last = p.parts.length - 1;
    let missing = 0;
    try {
      for (let i = 0; i < last; i++) {
        const part = p.parts[i] as Buffer;
        const here = displayOf(p.parts.slice(0, i + 1));
        let next = await dir.openDir(part).catch(async (err: unknown) => {
          if (errnoOf(err) === 'ENOENT') return undefined;
          if (errnoOf(err) !== 'ELOOP' && errnoOf(err) !== 'ENOTDIR') throw err;
          const stat = await dir.lstat(part);
          if (stat.isSymbolicLink()) throw symlinkRefusal(p.display, here);
          throw new ToolError(`${inQuotes(p.display)}: ${inQuotes(here)} is ${kindOf(stat)}, not a directory.`);
        });
        if (!next) {
          if (!create) throw new ToolError(`No such file or directory: ${p.display}`);
          if (missing === 0) beforeCreate?.(last - i);
          await dir.mkdir(part).catch((err: unknown) => {
            if (errnoOf(err) !== 'EEXIST') throw err;
          });
          missing += 1;
          // Opened like any other component: one that became a link meanwhile is refused.
          next = await dir.openDir(part).catch(() => {
            throw new ToolError(`${inQuotes(p.display)}: ${here} changed while it was being created; try again.`);
          });
        }
        await dir.close();
        dir = next;
      }
    } catch (err) {
      await dir.close();
      throw err;
    }
    return { dir, name: p.parts[last], missing };
  }

  /** Turns a failed open of `name` into what the model should hear. */
  private async openFailed(err: unknown, dir: DirHandle, name: Buffer, p: WorkspacePath): Promise<never> {
    const code = errnoOf(err);
    if (code === 'ENOENT') throw new ToolError(`No such file: ${p.display}`);
    if (code === 'EISDIR') throw new ToolError(`${p.display} is a directory.`);
    if (code === 'EEXIST') throw new ToolError(`${p.display} appeared while it was being written; try again.`);
    if (code === 'EACCES' || code === 'EPERM') throw new ToolError(`Cannot open ${p.display}: permission denied.`);
    if (code === 'ELOOP' || code === 'ENXIO' || code === 'ENODEV' || code === 'ETXTBSY') {
      const stat = await dir.lstat(name).catch(() => undefined);
      if (stat?.isSymbolicLink() || code === 'ELOOP') throw symlinkRefusal(p.display);
      if (stat) assertPlainFile(stat, p.display);
    }
    throw err;
  }
}

/** A link as the last component (`through` unset) or on the way to it. */
function symlinkRefusal(display: string, through?: string): ToolError {
  const what = through === undefined ? 'is a symbolic link' : `goes through ${inQuotes(through)}, a symbolic link`;
  return new ToolError(
    `Refused: ${inQuotes(display)} ${what}; the file tools never follow symbolic links (use the path it points to).`,
  );
}

/** Only a regular file with a single link: a FIFO, socket or device is refused, and so is a hard link (it may be a file from outside). */
function assertPlainFile(stat: Stats, display: string): void {
  if (!stat.isFile()) throw new ToolError(`Refused: ${display} is ${kindOf(stat)}, not a regular file.`);
  if (stat.nlink > 1) {
    throw new ToolError(
      `Refused: ${display} has ${stat.nlink} hard links; a file linked from elsewhere may belong outside the working directory, so the file tools do not touch it.`,
    );
  }
}
