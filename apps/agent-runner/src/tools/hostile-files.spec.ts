import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DisabledExecutor } from '@platform/sandbox-kit';
import { createLogger } from '@platform/service-kit';
import { Workspace } from '../workspace/workspace';
import { ToolRegistry, type ToolExecutor } from './registry';

const logger = createLogger({ service: 'test', level: 'error', pretty: false });

/** What a hostile process sharing the working directory can leave there for the file tools. */
describe('file tools facing a hostile working directory', () => {
  let tmp: string;
  let root: string;
  let tools: ToolExecutor;
  const signal = new AbortController().signal;
  const run = (name: string, input: Record<string, unknown>) => tools.execute(name, input, signal);
  const quota = { quotaBytes: 64 * 1024, maxFiles: 20 };

  beforeEach(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'hostile-')));
    root = path.join(tmp, 'ws');
    await fs.mkdir(root);
    await fs.writeFile(path.join(tmp, 'secret.txt'), 'TOP-SECRET outside');
    const workspace = new Workspace(root, { limits: quota, isDeleted: () => Promise.resolve(false) });
    tools = new ToolRegistry({
      outputLimitBytes: 4096,
      logger,
      executor: new DisabledExecutor('no sandbox in unit tests'),
    }).forWorkspace({
      workspace,
      sessionId: '00000000-0000-4000-8000-000000000000',
      network: { mode: 'none' },
    });
  });

  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('refuses a FIFO at once, for reading and writing, and lists and searches past it without blocking', async () => {
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    await fs.writeFile(path.join(root, 'notes.txt'), 'find me');

    // Before: read_file opened the FIFO and blocked a libuv thread until a writer came (never).
    const reads = await Promise.all([1, 2, 3, 4, 5, 6].map(() => run('read_file', { path: 'pipe' })));
    expect(reads).toEqual(
      Array(6).fill({ output: 'Refused: pipe is a FIFO (named pipe), not a regular file.', isError: true }),
    );
    await expect(run('write_file', { path: 'pipe', content: 'x' })).resolves.toEqual({
      output: 'Refused: pipe is a FIFO (named pipe), not a regular file.',
      isError: true,
    });
    await expect(run('search_files', { pattern: 'find' })).resolves.toMatchObject({ output: 'notes.txt:1: find me' });
    await expect(run('list_files', {})).resolves.toMatchObject({ output: 'notes.txt\npipe' });
    expect((await fs.lstat(path.join(root, 'pipe'))).isFIFO()).toBe(true);
  });

  it('refuses a FIFO that has a reader waiting, without writing to it', async () => {
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const reader = await fs.open(path.join(root, 'pipe'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      await expect(run('write_file', { path: 'pipe', content: 'leak' })).resolves.toMatchObject({
        output: 'Refused: pipe is a FIFO (named pipe), not a regular file.',
      });
      const buf = Buffer.alloc(16);
      const got = await reader.read(buf, 0, 16, null).then(
        (r) => r.bytesRead,
        (err: NodeJS.ErrnoException) => err.code,
      );
      // Nothing came through: no data (EOF once the refused writer closed) or nothing yet (EAGAIN).
      expect([0, 'EAGAIN']).toContain(got);
    } finally {
      await reader.close();
    }
  });

  it('refuses a socket', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(root, 'sock'), resolve));
    try {
      await expect(run('read_file', { path: 'sock' })).resolves.toEqual({
        output: 'Refused: sock is a socket, not a regular file.',
        isError: true,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses device-like paths: a symlink to /dev/zero or /dev/tty, read or written', async () => {
    await fs.symlink('/dev/zero', path.join(root, 'zero'));
    await fs.symlink('/dev/tty', path.join(root, 'tty'));
    for (const p of ['zero', 'tty']) {
      await expect(run('read_file', { path: p })).resolves.toMatchObject({
        isError: true,
        output: expect.stringMatching(/is a symbolic link/),
      });
      await expect(run('write_file', { path: p, content: 'x' })).resolves.toMatchObject({
        isError: true,
        output: expect.stringMatching(/is a symbolic link/),
      });
    }
  });

  it('does not read, write or search a hard link to a file outside', async () => {
    await fs.link(path.join(tmp, 'secret.txt'), path.join(root, 'inside.txt'));

    const read = await run('read_file', { path: 'inside.txt' });
    const write = await run('write_file', { path: 'inside.txt', content: 'clobbered' });
    const search = await run('search_files', { pattern: 'TOP-SECRET' });

    expect(read).toEqual({ output: expect.stringMatching(/^Refused: inside.txt has 2 hard links/), isError: true });
    expect(write).toMatchObject({ isError: true, output: expect.stringMatching(/has 2 hard links/) });
    expect(search.output).toBe('No matches for "TOP-SECRET".');
    await expect(fs.readFile(path.join(tmp, 'secret.txt'), 'utf8')).resolves.toBe('TOP-SECRET outside');
  });

  it('shows names with newlines and control characters quoted, so they cannot forge lines, and takes them back', async () => {
    const forged = 'x\nplanted.ts';
    await fs.writeFile(path.join(root, forged), 'todo: one');
    await fs.mkdir(path.join(root, 'dir\r'));
    await fs.writeFile(Buffer.concat([Buffer.from(`${root}/bad`), Buffer.from([0xff])]), 'todo: two\r\u0007');

    const listed = await run('list_files', {});
    const searched = await run('search_files', { pattern: 'todo' });

    expect(listed.output.split('\n')).toEqual(['"bad\\xff"', '"dir\\r/"', '"x\\nplanted.ts"']);
    expect(searched.output.split('\n')).toEqual(['"bad\\xff":1: todo: two\\r\\u0007', '"x\\nplanted.ts":1: todo: one']);
    await expect(run('read_file', { path: '"x\\nplanted.ts"' })).resolves.toEqual({
      output: 'todo: one',
      isError: false,
    });
    await expect(run('read_file', { path: '"bad\\xff"' })).resolves.toMatchObject({ isError: false });
    await expect(run('list_files', { path: '"dir\\r/"' })).resolves.toEqual({ output: '(empty)', isError: false });
  });

  it('escapes control characters in matched lines', async () => {
    await fs.writeFile(path.join(root, 'a.txt'), 'needle\rfake.txt:1: forged\u2028line\n');

    const searched = await run('search_files', { pattern: 'needle' });

    expect(searched.output).toBe('a.txt:1: needle\\rfake.txt:1: forged\\u2028line');
  });

  it('refuses a write that would take the workspace past its quota, saying what is used and allowed', async () => {
    await fs.writeFile(path.join(root, 'big.bin'), Buffer.alloc(60 * 1024));

    const refused = await run('write_file', { path: 'more.txt', content: 'x'.repeat(8 * 1024) });
    const refusedLeftNothing = await fs.access(path.join(root, 'more.txt')).then(
      () => false,
      () => true,
    );
    const smaller = await run('write_file', { path: 'big.bin', content: 'now small' });
    const after = await run('write_file', { path: 'more.txt', content: 'x'.repeat(8 * 1024) });

    expect(refused).toEqual({
      output:
        'Refused: writing more.txt needs 8 KiB and 1 more entry, but the working directory already uses ' +
        '60 KiB of its 64 KiB quota and 1 of 20 entries; free some space first.',
      isError: true,
    });
    expect(refusedLeftNothing).toBe(true);
    expect(smaller).toEqual({ output: 'Replaced big.bin (9 bytes).', isError: false });
    expect(after.isError).toBe(false);
  });

  it('counts entries against the quota, new parent directories included', async () => {
    for (let i = 0; i < 18; i++) await fs.writeFile(path.join(root, `f${i}`), '');

    const refused = await run('write_file', { path: 'a/b/c.txt', content: '' });
    const fits = await run('write_file', { path: 'last.txt', content: '' });

    expect(refused).toMatchObject({
      isError: true,
      output: expect.stringMatching(/needs 8 KiB and 3 more entries.*18 of 20 entries/),
    });
    await expect(fs.access(path.join(root, 'a'))).rejects.toThrow();
    expect(fits.isError).toBe(false);
  });
});
