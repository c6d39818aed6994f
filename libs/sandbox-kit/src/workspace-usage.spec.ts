import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ENTRY_COST_BYTES, USAGE_MAX_DEPTH, workspaceUsage } from './workspace-usage';

describe('workspaceUsage', () => {
  let tmp: string;
  let root: string;

  beforeEach(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'usage-')));
    root = path.join(tmp, 'ws');
    await fs.mkdir(root);
  });

  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('adds the apparent size of regular files and a fixed cost per directory, link or other entry', async () => {
    await fs.mkdir(path.join(root, 'src', 'deep'), { recursive: true });
    await fs.writeFile(path.join(root, 'a.txt'), 'x'.repeat(1000));
    await fs.writeFile(path.join(root, 'src', 'deep', 'b.bin'), Buffer.alloc(70_000));
    await fs.symlink('a.txt', path.join(root, 'link'));
    execFileSync('mkfifo', [path.join(root, 'pipe')]);

    await expect(workspaceUsage(root)).resolves.toEqual({
      bytes: 1000 + 70_000 + 4 * ENTRY_COST_BYTES,
      files: 6,
      complete: true,
    });
  });

  it('never follows a symbolic link, however much is behind it', async () => {
    await fs.mkdir(path.join(tmp, 'big'));
    await fs.writeFile(path.join(tmp, 'big', 'huge.bin'), Buffer.alloc(1_000_000));
    await fs.symlink(path.join(tmp, 'big'), path.join(root, 'to-big'));
    await fs.symlink(path.join(tmp, 'big', 'huge.bin'), path.join(root, 'to-huge'));

    await expect(workspaceUsage(root)).resolves.toEqual({ bytes: 2 * ENTRY_COST_BYTES, files: 2, complete: true });
  });

  it('counts a file with several links inside once', async () => {
    await fs.writeFile(path.join(root, 'a.bin'), Buffer.alloc(5000));
    await fs.link(path.join(root, 'a.bin'), path.join(root, 'b.bin'));

    await expect(workspaceUsage(root)).resolves.toEqual({ bytes: 5000, files: 2, complete: true });
  });

  it('answers nothing for a missing directory', async () => {
    await expect(workspaceUsage(path.join(tmp, 'none'))).resolves.toEqual({ bytes: 0, files: 0, complete: true });
  });

  it('stops at the depth limit and says the measure is incomplete', async () => {
    let dir = root;
    for (let i = 0; i < USAGE_MAX_DEPTH + 2; i++) {
      dir = path.join(dir, 'd');
      await fs.mkdir(dir);
    }
    await fs.writeFile(path.join(dir, 'hidden.bin'), Buffer.alloc(1000));

    const usage = await workspaceUsage(root);

    expect(usage.complete).toBe(false);
    expect(usage.files).toBe(USAGE_MAX_DEPTH);
  });

  it('stops when its signal is aborted', async () => {
    await fs.writeFile(path.join(root, 'a.txt'), 'a');
    const aborted = AbortSignal.abort(new Error('stop'));

    await expect(workspaceUsage(root, { signal: aborted })).rejects.toThrow('stop');
  });
});

describe('workspaceUsage with adopt', () => {
  // Only root can give files away; as anyone else the owner is oneself (what a non-root runner's sandbox is).
  const owner = process.getuid?.() === 0 ? { uid: 4242, gid: 4343 } : { uid: process.getuid!(), gid: process.getgid!() };
  it('hands the root and every entry to the owner, changing links themselves and never their targets', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'adopt-'));
    try {
      const root = path.join(tmp, 'ws');
      await fs.mkdir(path.join(root, 'sub'), { recursive: true });
      await fs.writeFile(path.join(root, 'sub', 'f.txt'), 'x');
      const outside = path.join(tmp, 'outside.txt');
      await fs.writeFile(outside, 'not yours');
      await fs.symlink(outside, path.join(root, 'link'));

      const before = await fs.stat(outside);
      await workspaceUsage(root, { adopt: owner });

      for (const p of [root, path.join(root, 'sub'), path.join(root, 'sub', 'f.txt'), path.join(root, 'link')]) {
        const st = await fs.lstat(p);
        expect([p, st.uid, st.gid]).toEqual([p, owner.uid, owner.gid]);
      }
      expect((await fs.stat(outside)).uid).toBe(before.uid);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});
