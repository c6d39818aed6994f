import fs from 'node:fs/promises';
import path from 'node:path';
import { ToolError } from './types';

/** A path inside the sandbox: `real` has every symlink resolved, `display` is relative to the working directory. */
export interface SandboxPath {
  real: string;
  display: string;
}

const isErrno = (err: unknown, code: string): boolean => (err as NodeJS.ErrnoException | null)?.code === code;

/**
 * One session's working directory, created on first use. Every path a tool touches goes through
 * `resolve`: absolute paths are refused, and so is anything (`..`, a symlink, a symlink in a
 * parent) that ends up outside the directory once resolved on disk.
 */
export class Sandbox {
  private realRoot: Promise<string> | undefined;

  constructor(readonly root: string) {}

  /** The working directory's real path, creating it when missing. */
  rootPath(): Promise<string> {
    this.realRoot ??= fs.mkdir(this.root, { recursive: true }).then(() => fs.realpath(this.root));
    this.realRoot.catch(() => (this.realRoot = undefined));
    return this.realRoot;
  }

  /** Resolves a model-supplied path; the target need not exist, but everything that does must stay inside. */
  async resolve(input: string): Promise<SandboxPath> {
    const requested = input.trim() === '' ? '.' : input;
    if (requested.includes('\0')) throw new ToolError('Refused: the path contains a NUL byte.');
    if (path.isAbsolute(requested) || /^[A-Za-z]:[\\/]/.test(requested) || requested.startsWith('\\')) {
      throw new ToolError(`Refused: "${input}" is an absolute path; use a path relative to the working directory.`);
    }
    const root = await this.rootPath();
    const lexical = path.resolve(root, requested);
    if (!this.inside(root, lexical)) throw new ToolError(`Refused: "${input}" leads outside the working directory.`);
    const real = await this.realOf(lexical, input);
    if (!this.inside(root, real))
      throw new ToolError(`Refused: "${input}" is a symbolic link that leads outside the working directory.`);
    return { real, display: path.relative(root, real) || '.' };
  }

  /** `abs` as a path relative to the working directory (for listings). */
  async display(abs: string): Promise<string> {
    return path.relative(await this.rootPath(), abs) || '.';
  }

  private inside(root: string, p: string): boolean {
    const rel = path.relative(root, p);
    return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
  }

  /** Real path of `abs`: the deepest existing ancestor resolved through its symlinks, plus the part still to be created. */
  private async realOf(abs: string, input: string): Promise<string> {
    let existing = abs;
    const missing: string[] = [];
    for (;;) {
      try {
        return path.join(await fs.realpath(existing), ...missing);
      } catch (err) {
        if (isErrno(err, 'ENOTDIR')) throw new ToolError(`"${input}": a part of the path is a file, not a directory.`);
        if (!isErrno(err, 'ENOENT')) throw err;
      }
      // realpath fails both for a missing entry and for a link to a missing target; the latter could be created outside.
      if (await this.isLink(existing))
        throw new ToolError(`Refused: "${input}" goes through a symbolic link whose target does not exist.`);
      const parent = path.dirname(existing);
      if (parent === existing) throw new ToolError(`Refused: "${input}" cannot be resolved.`);
      missing.unshift(path.basename(existing));
      existing = parent;
    }
  }

  private async isLink(p: string): Promise<boolean> {
    try {
      return (await fs.lstat(p)).isSymbolicLink();
    } catch {
      return false;
    }
  }
}
