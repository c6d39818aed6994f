import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ToolError } from '../tools/types';
import { Workspace, WorkspaceDeletedError } from './workspace';

const LIMITS = { quotaBytes: 1024 * 1024, maxFiles: 100 };

describe('Workspace', () => {
  let tmp: string;
  let root: string;
  let deleted: boolean;
  let ws: Workspace;

  beforeEach(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'workspace-')));
    root = path.join(tmp, 'workspaces', 'session-1');
    deleted = false;
    ws = new Workspace(root, { limits: LIMITS, isDeleted: () => Promise.resolve(deleted) });
    await fs.writeFile(path.join(tmp, 'secret.txt'), 'outside');
  });

  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  const read = (p: string) =>
    ws.withFile(p, async (file, stat, shown) => ({ text: (await file.readFile()).toString(), shown: shown.display }));
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a refusal');
      },
      (err: unknown) => {
        expect(err).toBeInstanceOf(ToolError);
        return (err as Error).message;
      },
    );

  it('creates the working directory on first use and reads and writes inside it', async () => {
    await expect(fs.stat(root)).rejects.toThrow();
    await expect(ws.writeFile('notes/today.txt', Buffer.from('hi'))).resolves.toMatchObject({
      path: { display: 'notes/today.txt' },
      created: true,
    });
    expect((await fs.stat(root)).isDirectory()).toBe(true);
    await expect(read('notes/today.txt')).resolves.toEqual({ text: 'hi', shown: 'notes/today.txt' });
    await expect(ws.writeFile('./notes//today.txt', Buffer.from('again'))).resolves.toMatchObject({ created: false });
    await expect(fs.readFile(path.join(root, 'notes', 'today.txt'), 'utf8')).resolves.toBe('again');
  });

  it('takes .. that stays inside lexically and refuses .. that leads outside', async () => {
    await ws.writeFile('b.txt', Buffer.from('b'));
    await expect(read('a/../b.txt')).resolves.toMatchObject({ shown: 'b.txt' });
    for (const p of ['..', '../secret.txt', 'a/../../secret.txt', '../session-2/x']) {
      expect(await failure(read(p))).toMatch(/leads outside the working directory/);
    }
  });

  it('refuses absolute paths, even ones that point inside, and NUL bytes', async () => {
    for (const p of ['/etc/passwd', path.join(root, 'a.txt'), 'C:\\Windows', '\\\\server\\share']) {
      expect(await failure(read(p))).toMatch(/absolute path/);
    }
    expect(await failure(read('a\0b'))).toMatch(/NUL byte/);
  });

  it('never follows a symbolic link, as the last component or on the way, inside or outside', async () => {
    await fs.mkdir(path.join(root, 'real'), { recursive: true });
    await fs.writeFile(path.join(root, 'real', 'a.txt'), 'a');
    await fs.symlink(path.join(tmp, 'secret.txt'), path.join(root, 'escape.txt'));
    await fs.symlink(tmp, path.join(root, 'escape-dir'));
    await fs.symlink('real', path.join(root, 'alias'));
    await fs.symlink('/dev/zero', path.join(root, 'zero'));
    await fs.symlink(path.join(tmp, 'not-yet.txt'), path.join(root, 'dangling.txt'));

    expect(await failure(read('escape.txt'))).toBe(
      'Refused: "escape.txt" is a symbolic link; the file tools never follow symbolic links (use the path it points to).',
    );
    expect(await failure(read('escape-dir/secret.txt'))).toMatch(
      /^Refused: "escape-dir\/secret.txt" goes through "escape-dir", a symbolic link/,
    );
    expect(await failure(read('alias/a.txt'))).toMatch(/goes through "alias", a symbolic link/);
    expect(await failure(read('zero'))).toMatch(/is a symbolic link/);
    expect(await failure(ws.writeFile('dangling.txt', Buffer.from('x')))).toMatch(/is a symbolic link/);
    expect(await failure(ws.writeFile('escape-dir/new.txt', Buffer.from('x')))).toMatch(/a symbolic link/);
    expect(await failure(ws.writeFile('escape.txt', Buffer.from('x')))).toMatch(/is a symbolic link/);
    await expect(fs.readFile(path.join(tmp, 'secret.txt'), 'utf8')).resolves.toBe('outside');
    await expect(fs.access(path.join(tmp, 'not-yet.txt'))).rejects.toThrow();
    await expect(fs.access(path.join(tmp, 'new.txt'))).rejects.toThrow();
    expect(await failure(ws.withDirectory('escape-dir', () => Promise.resolve()))).toMatch(/is a symbolic link/);
  });

  it('refuses a file with more than one hard link, for reading and for writing', async () => {
    await fs.mkdir(root, { recursive: true });
    await fs.link(path.join(tmp, 'secret.txt'), path.join(root, 'linked.txt'));

    expect(await failure(read('linked.txt'))).toMatch(/^Refused: linked.txt has 2 hard links/);
    expect(await failure(ws.writeFile('linked.txt', Buffer.from('overwritten')))).toMatch(/has 2 hard links/);
    await expect(fs.readFile(path.join(tmp, 'secret.txt'), 'utf8')).resolves.toBe('outside');
  });

  it('refuses directories and missing files with what the model should hear', async () => {
    await ws.writeFile('dir/file.txt', Buffer.from('x'));
    expect(await failure(read('dir'))).toBe('dir is a directory; use list_files.');
    expect(await failure(read('.'))).toBe('. is a directory; use list_files.');
    expect(await failure(read('missing.txt'))).toBe('No such file: missing.txt');
    expect(await failure(read('nowhere/missing.txt'))).toBe('No such file or directory: nowhere/missing.txt');
    expect(await failure(read('dir/file.txt/below'))).toBe(
      '"dir/file.txt/below": "dir/file.txt" is a regular file, not a directory.',
    );
    expect(await failure(ws.writeFile('dir', Buffer.from('x')))).toBe('dir is a directory.');
    expect(await failure(ws.withDirectory('dir/file.txt', () => Promise.resolve()))).toBe(
      'Not a directory: dir/file.txt',
    );
    expect(await failure(ws.withDirectory('none', () => Promise.resolve()))).toBe('No such directory: none');
  });

  it('accepts a path in the quoted form it shows names in', async () => {
    await fs.mkdir(root, { recursive: true });
    const raw = Buffer.concat([Buffer.from(`${root}/we\nird`), Buffer.from([0xff]), Buffer.from('.txt')]);
    await fs.writeFile(raw, 'odd');

    await expect(read('"we\\nird\\xff.txt"')).resolves.toEqual({ text: 'odd', shown: '"we\\nird\\xff.txt"' });
  });

  it('never creates the directory of a deleted session', async () => {
    deleted = true;
    await expect(ws.writeFile('a.txt', Buffer.from('x'))).rejects.toBeInstanceOf(WorkspaceDeletedError);
    await expect(ws.withDirectory('.', () => Promise.resolve())).rejects.toThrow(/has been deleted/);
    await expect(fs.access(root)).rejects.toThrow();
  });

  it('works when the workspace root itself is reached through a symlink', async () => {
    await fs.mkdir(path.join(tmp, 'actual'), { recursive: true });
    await fs.symlink(path.join(tmp, 'actual'), path.join(tmp, 'linked'));
    const linked = new Workspace(path.join(tmp, 'linked', 's'), {
      limits: LIMITS,
      isDeleted: () => Promise.resolve(false),
    });
    await linked.writeFile('x.txt', Buffer.from('x'));
    await expect(fs.readFile(path.join(tmp, 'actual', 's', 'x.txt'), 'utf8')).resolves.toBe('x');
  });
});
