import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DirHandle } from './dir-handle';
import { walkTree } from './walk';
import { Workspace } from './workspace';

/** A directory swapped for a symbolic link to somewhere else between a check and its use. */
describe('a directory swapped for a symbolic link while the file tools use it', () => {
  let tmp: string;
  let root: string;
  let outside: string;

  beforeEach(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'swap-')));
    root = path.join(tmp, 'ws');
    outside = path.join(tmp, 'outside');
    await fs.mkdir(path.join(root, 'd'), { recursive: true });
    await fs.mkdir(outside);
    await fs.writeFile(path.join(root, 'd', 'secret.txt'), 'inside');
    await fs.writeFile(path.join(outside, 'secret.txt'), 'OUTSIDE');
  });

  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('keeps an opened directory: names inside it resolve there even after the path leads elsewhere', async () => {
    const top = await DirHandle.open(root);
    const dir = await top.openDir(Buffer.from('d')).finally(() => top.close());
    try {
      await fs.rename(path.join(root, 'd'), path.join(root, 'moved'));
      await fs.symlink(outside, path.join(root, 'd'));

      const file = await dir.openFile(Buffer.from('secret.txt'), fs.constants.O_RDONLY);
      const text = await file.readFile('utf8').finally(() => file.close());

      expect(text).toBe('inside');
    } finally {
      await dir.close();
    }
  });

  it('does not walk into a directory that became a link after it was listed', async () => {
    await fs.mkdir(path.join(root, 'a'));
    const top = await DirHandle.open(root);
    const seen: string[] = [];
    try {
      const walk = walkTree(top, { maxDepth: 4 });
      const first = await walk.next();
      expect(first.value).toMatchObject({ kind: 'dir', name: Buffer.from('a') });
      // The listing of the root is done: `d` was a directory then, and is a link to outside now.
      await fs.rename(path.join(root, 'd'), path.join(root, 'd-old'));
      await fs.symlink(outside, path.join(root, 'd'));
      for await (const entry of walk)
        seen.push(Buffer.concat(entry.path.flatMap((p) => [p, Buffer.from('/')])).toString());
    } finally {
      await top.close();
    }

    expect(seen).toEqual(['d/']);
  });

  describe('with a process swapping it back and forth', () => {
    let swapper: ChildProcess;

    afterEach(() => {
      swapper?.kill('SIGKILL');
    });

    it('never reads the file the link leads to', async () => {
      // Swaps d <-> a link to `outside` as fast as it can; says "ready" after the first round.
      const script = `
        const fs = require('node:fs');
        const [d, parked, outside] = process.argv.slice(1);
        let said = false;
        for (;;) {
          fs.renameSync(d, parked); fs.symlinkSync(outside, d);
          fs.unlinkSync(d); fs.renameSync(parked, d);
          if (!said) { said = true; process.stdout.write('ready\\n'); }
        }`;
      swapper = spawn(process.execPath, ['-e', script, path.join(root, 'd'), path.join(root, 'parked'), outside], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => swapper.stdout?.once('data', () => resolve()));
      const ws = new Workspace(root, {
        limits: { quotaBytes: 1 << 20, maxFiles: 100 },
        isDeleted: () => Promise.resolve(false),
      });
      const outcomes = { inside: 0, refused: 0, leaked: 0 };

      // Enough rounds to see the swap both ways many times; a check-then-open resolver leaks here within a few hundred.
      for (let i = 0; i < 20_000 && (outcomes.inside < 200 || outcomes.refused < 200); i++) {
        const text = await ws.withFile('d/secret.txt', async (file) => file.readFile('utf8')).catch(() => undefined);
        if (text === 'inside') outcomes.inside += 1;
        else if (text === 'OUTSIDE') outcomes.leaked += 1;
        else outcomes.refused += 1;
      }

      expect(outcomes.leaked).toBe(0);
      expect(outcomes.inside).toBeGreaterThan(0);
      expect(outcomes.refused).toBeGreaterThan(0);
    }, 60_000);
  });
});
