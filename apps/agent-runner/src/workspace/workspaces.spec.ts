import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ENTRY_COST_BYTES } from './usage';
import { WorkspaceDeletedError } from './workspace';
import { Workspaces } from './workspaces';

describe('Workspaces', () => {
  let tmp: string;
  let root: string;
  let outside: string;
  let ws: Workspaces;

  beforeEach(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'workspaces-')));
    root = path.join(tmp, 'root');
    outside = path.join(tmp, 'outside');
    await fs.mkdir(root);
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'keep.txt'), 'keep');
    ws = new Workspaces(root, { quotaBytes: 64 * 1024, maxFiles: 50 });
  });

  afterEach(async () => {
    await fs.chmod(tmp, 0o700);
    await fs.rm(tmp, { recursive: true, force: true });
  });

  /** A workspace with a bit of everything a session can leave behind. */
  async function populate(id: string): Promise<string> {
    const dir = ws.dirOf(id);
    await fs.mkdir(path.join(dir, 'src', 'deep'), { recursive: true });
    await fs.writeFile(path.join(dir, 'README.md'), 'hello');
    await fs.writeFile(path.join(dir, 'src', 'deep', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await fs.symlink(outside, path.join(dir, 'to-outside'));
    await fs.symlink('README.md', path.join(dir, 'alias'));
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    await fs.link(path.join(outside, 'keep.txt'), path.join(dir, 'hardlinked.txt'));
    return dir;
  }

  describe('delete', () => {
    it('removes the whole tree without following links, and answers absent the second time', async () => {
      const id = randomUUID();
      const dir = await populate(id);
      await fs.mkdir(path.join(dir, 'locked', 'inner'), { recursive: true });
      await fs.writeFile(path.join(dir, 'locked', 'inner', 'x'), 'x');
      await fs.chmod(path.join(dir, 'locked', 'inner'), 0o000);
      await fs.chmod(path.join(dir, 'locked'), 0o500);

      await expect(ws.delete(id)).resolves.toEqual({ result: 'deleted' });

      await expect(fs.lstat(dir)).rejects.toThrow();
      await expect(fs.readFile(path.join(outside, 'keep.txt'), 'utf8')).resolves.toBe('keep');
      await expect(ws.delete(id)).resolves.toEqual({ result: 'absent' });
    });

    it('leaves other sessions alone and never lets a later run recreate the directory', async () => {
      const [gone, other] = [randomUUID(), randomUUID()];
      await populate(gone);
      await populate(other);

      await ws.delete(gone);
      const later = ws.of(gone);

      await expect(later.writeFile('a.txt', Buffer.from('x'))).rejects.toBeInstanceOf(WorkspaceDeletedError);
      await expect(later.ensure()).rejects.toBeInstanceOf(WorkspaceDeletedError);
      await expect(fs.lstat(ws.dirOf(gone))).rejects.toThrow();
      await expect(fs.readFile(path.join(ws.dirOf(other), 'README.md'), 'utf8')).resolves.toBe('hello');
      await expect(ws.isDeleted(other)).resolves.toBe(false);
    });

    it('removes a directory a run made just before the deletion came', async () => {
      const id = randomUUID();
      const early = ws.of(id);
      await early.writeFile('made-early.txt', Buffer.from('x'));

      await ws.delete(id);

      await expect(fs.lstat(ws.dirOf(id))).rejects.toThrow();
      await expect(early.writeFile('made-late.txt', Buffer.from('x'))).rejects.toBeInstanceOf(WorkspaceDeletedError);
    });
  });

  describe('fork', () => {
    it('copies files, directories and links as links, but no FIFO and no hard-linked file', async () => {
      const [from, to] = [randomUUID(), randomUUID()];
      await populate(from);

      const result = await ws.fork({ v: 1, from_session_id: from, to_session_id: to });

      const copy = ws.dirOf(to);
      expect(result).toEqual({
        result: 'copied',
        usage: { bytes: 5 + 10 + 4 * ENTRY_COST_BYTES, files: 6 },
        limits: { bytes: 64 * 1024, files: 50 },
        skipped: { special: 1, hard_linked: 1 },
      });
      expect((await fs.readdir(copy)).sort()).toEqual(['README.md', 'alias', 'src', 'to-outside']);
      await expect(fs.readlink(path.join(copy, 'to-outside'))).resolves.toBe(outside);
      await expect(fs.readFile(path.join(copy, 'src', 'deep', 'run.sh'), 'utf8')).resolves.toBe('#!/bin/sh\n');
      expect((await fs.stat(path.join(copy, 'src', 'deep', 'run.sh'))).mode & 0o777).toBe(0o755);
      expect((await fs.readdir(root)).filter((n) => n.includes('.fork-'))).toEqual([]);
    });

    it('refuses to copy a source over the quota, leaving no target behind', async () => {
      const [from, to] = [randomUUID(), randomUUID()];
      await fs.mkdir(ws.dirOf(from));
      await fs.writeFile(path.join(ws.dirOf(from), 'big.bin'), Buffer.alloc(65 * 1024));

      const result = await ws.fork({ v: 1, from_session_id: from, to_session_id: to });

      expect(result).toEqual({
        result: 'over_quota',
        usage: { bytes: 65 * 1024, files: 1 },
        limits: { bytes: 64 * 1024, files: 50 },
      });
      await expect(fs.lstat(ws.dirOf(to))).rejects.toThrow();
      expect(await fs.readdir(root)).toEqual([from]);
    });

    it('adds only what an existing target lacks, within what the quota leaves', async () => {
      const [from, to] = [randomUUID(), randomUUID()];
      await fs.mkdir(ws.dirOf(from));
      await fs.mkdir(ws.dirOf(to));
      await fs.writeFile(path.join(ws.dirOf(from), 'a.txt'), 'from source');
      await fs.writeFile(path.join(ws.dirOf(from), 'b.txt'), 'new');
      await fs.writeFile(path.join(ws.dirOf(to), 'a.txt'), 'kept');

      const merged = await ws.fork({ v: 1, from_session_id: from, to_session_id: to });
      await fs.writeFile(path.join(ws.dirOf(to), 'filler.bin'), Buffer.alloc(64 * 1024 - 20));
      await fs.writeFile(path.join(ws.dirOf(from), 'c.txt'), 'does not fit in what is left');
      const full = await ws.fork({ v: 1, from_session_id: from, to_session_id: to });

      expect(merged).toMatchObject({ result: 'merged' });
      await expect(fs.readFile(path.join(ws.dirOf(to), 'a.txt'), 'utf8')).resolves.toBe('kept');
      await expect(fs.readFile(path.join(ws.dirOf(to), 'b.txt'), 'utf8')).resolves.toBe('new');
      expect(full).toMatchObject({ result: 'over_quota' });
    });

    it('neither copies from nor into a deleted session', async () => {
      const [from, to, gone] = [randomUUID(), randomUUID(), randomUUID()];
      await populate(from);
      await populate(gone);
      await ws.delete(gone);
      await ws.delete(to);

      await expect(ws.fork({ v: 1, from_session_id: from, to_session_id: to })).resolves.toEqual({ result: 'deleted' });
      await expect(ws.fork({ v: 1, from_session_id: gone, to_session_id: randomUUID() })).resolves.toEqual({
        result: 'no_source',
      });
      await expect(ws.fork({ v: 1, from_session_id: randomUUID(), to_session_id: randomUUID() })).resolves.toEqual({
        result: 'no_source',
      });
      await expect(fs.lstat(ws.dirOf(to))).rejects.toThrow();
    });
  });
});
