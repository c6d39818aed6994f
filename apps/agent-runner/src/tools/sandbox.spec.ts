import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Sandbox } from './sandbox';
import { ToolError } from './types';

describe('Sandbox', () => {
  let tmp: string;
  let root: string;
  let sandbox: Sandbox;

  beforeEach(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sandbox-')));
    root = path.join(tmp, 'workspaces', 'session-1');
    sandbox = new Sandbox(root);
    await fs.writeFile(path.join(tmp, 'secret.txt'), 'outside');
  });

  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  const refusal = (p: string) =>
    sandbox.resolve(p).then(
      () => undefined,
      (err: unknown) => err,
    );

  it('creates the working directory on first use and resolves paths inside it', async () => {
    await expect(fs.stat(root)).rejects.toThrow();
    await expect(sandbox.resolve('notes/today.txt')).resolves.toEqual({
      real: path.join(root, 'notes', 'today.txt'),
      display: path.join('notes', 'today.txt'),
    });
    expect((await fs.stat(root)).isDirectory()).toBe(true);
    await expect(sandbox.resolve('.')).resolves.toEqual({ real: root, display: '.' });
    await expect(sandbox.resolve('')).resolves.toEqual({ real: root, display: '.' });
  });

  it('allows .. that stays inside and refuses .. that leads outside', async () => {
    await expect(sandbox.resolve('a/../b.txt')).resolves.toMatchObject({ display: 'b.txt' });
    for (const p of ['..', '../secret.txt', 'a/../../secret.txt', '../session-2/x']) {
      const err = await refusal(p);
      expect(err).toBeInstanceOf(ToolError);
      expect((err as Error).message).toMatch(/leads outside the working directory/);
    }
  });

  it('refuses absolute paths, even ones that point inside', async () => {
    for (const p of ['/etc/passwd', path.join(root, 'a.txt'), 'C:\\Windows', '\\\\server\\share']) {
      expect(((await refusal(p)) as Error).message).toMatch(/absolute path/);
    }
  });

  it('refuses a symlink that leads outside, directly or as a parent directory', async () => {
    await fs.mkdir(root, { recursive: true });
    await fs.symlink(path.join(tmp, 'secret.txt'), path.join(root, 'escape.txt'));
    await fs.symlink(tmp, path.join(root, 'escape-dir'));
    expect(((await refusal('escape.txt')) as Error).message).toMatch(/symbolic link that leads outside/);
    expect(((await refusal('escape-dir/secret.txt')) as Error).message).toMatch(/leads outside/);
    expect(((await refusal('escape-dir/new-file.txt')) as Error).message).toMatch(/leads outside/);
  });

  it('refuses a dangling symlink, which a write would follow to create a file outside', async () => {
    await fs.mkdir(root, { recursive: true });
    await fs.symlink(path.join(tmp, 'not-yet.txt'), path.join(root, 'dangling.txt'));
    expect(((await refusal('dangling.txt')) as Error).message).toMatch(/target does not exist/);
  });

  it('follows a symlink that stays inside the working directory', async () => {
    await fs.mkdir(path.join(root, 'real'), { recursive: true });
    await fs.writeFile(path.join(root, 'real', 'a.txt'), 'a');
    await fs.symlink('real', path.join(root, 'alias'));
    await expect(sandbox.resolve('alias/a.txt')).resolves.toEqual({
      real: path.join(root, 'real', 'a.txt'),
      display: path.join('real', 'a.txt'),
    });
  });

  it('works when the workspace root itself is reached through a symlink', async () => {
    await fs.mkdir(path.join(tmp, 'actual'), { recursive: true });
    await fs.symlink(path.join(tmp, 'actual'), path.join(tmp, 'linked'));
    const linked = new Sandbox(path.join(tmp, 'linked', 's'));
    await expect(linked.resolve('x.txt')).resolves.toMatchObject({
      real: path.join(tmp, 'actual', 's', 'x.txt'),
      display: 'x.txt',
    });
  });
});
