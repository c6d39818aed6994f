import fs from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { pidsWithCommandLine, waitUntil } from '@platform/testing';
import { RunnerHarness } from './support/harness';
import { holdingBomb, nodeLine, sandboxOn } from './support/sandbox';

jest.setTimeout(60_000);

const h = new RunnerHarness();
let sb: Awaited<ReturnType<typeof sandboxOn>>;

beforeAll(async () => {
  await h.start();
  sb = await sandboxOn(h);
});
afterAll(() => h.close());

/** A background process carrying `marker` in its command line, detached from the command's session. */
const survivor = (marker: string) => `setsid nohup sh -c 'sleep 600; : ${marker}' >/dev/null 2>&1 &`;
const gone = (marker: string) => waitUntil(`no process carries ${marker}`, () => pidsWithCommandLine(marker).length === 0, 5000);

describe('nothing a command starts outlives it', () => {
  it('when it ends by itself', async () => {
    const marker = `survivor-${randomUUID()}`;
    const r = await sb.sh(`${survivor(marker)} echo started`);

    expect(r).toMatchObject({ exit_code: 0, stopped: null, stdout: 'started\n' });
    await gone(marker);
  });

  it('when it runs out of time', async () => {
    const marker = `survivor-${randomUUID()}`;
    const r = await sb.sh(`${survivor(marker)} sleep 600`, { timeoutMs: 1000 });

    expect(r).toMatchObject({ stopped: 'timeout', exit_code: null, signal: 'SIGKILL' });
    await gone(marker);
  });

  it('when its run is cancelled', async () => {
    const marker = `survivor-${randomUUID()}`;
    const cancel = new AbortController();
    const running = sb.sh(`${survivor(marker)} echo started; sleep 600`, { signal: cancel.signal });
    await waitUntil('the survivor started', () => pidsWithCommandLine(marker).length > 0, 10_000);

    cancel.abort();

    expect(await running).toMatchObject({ stopped: 'cancelled' });
    await gone(marker);
  });
});

describe('limits', () => {
  it('contains a fork bomb at its process limit, while other sessions still start commands (threads included)', async () => {
    const marker = `bomb-${randomUUID()}`;
    const bomb = sb.sh(holdingBomb(marker), { timeoutMs: 8000 });
    await waitUntil('the bomb reaches its process limit', () => pidsWithCommandLine(marker).length >= 25, 15_000);

    const other = await sb.sh(`${nodeLine('console.log("unaffected")')}; sh -c 'echo forked'`);
    expect(other).toMatchObject({ exit_code: 0, stdout: 'unaffected\nforked\n' });
    // Still at its limit (each sh holds a sleep; node's threads count too): it never got past 64 processes.
    const held = pidsWithCommandLine(marker).length;
    expect(held).toBeGreaterThanOrEqual(25);
    expect(held).toBeLessThanOrEqual(32);

    const r = await bomb;
    expect(r.stopped).toBe('timeout');
    expect(r.stderr).toMatch(/Cannot fork/);
    await gone(marker);
  });

  it('stops a process that allocates more memory than allowed', async () => {
    const r = await sb.sh(nodeLine('const a = []; for (let i = 0; i < 64; i++) a.push(Buffer.alloc(16 * 1024 * 1024, 1)); console.log("ALLOCATED")'));

    expect(r.stdout).not.toContain('ALLOCATED');
    expect(r.exit_code).not.toBe(0);
  });

  it('refuses a file bigger than the file-size limit and keeps /tmp small', async () => {
    const r = await sb.sh('head -c 6000000 /dev/zero > big.bin; echo "file=$?"; head -c 6000000 /dev/zero > /tmp/big.bin; echo "tmp=$?"; wc -c < big.bin');

    expect(r.stdout).toMatch(/file=[1-9]/);
    expect(r.stdout).toMatch(/tmp=[1-9]/);
    expect(Number(r.stdout.trim().split('\n').at(-1))).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  it('stops a command that fills the working directory past its quota, and lets the next one clean up', async () => {
    const id = await sb.workspace();
    const fill = await sb.sh('i=0; while true; do head -c 3000000 /dev/urandom > part-$i.bin || exit 1; i=$((i+1)); done', { id, timeoutMs: 20_000 });

    expect(fill.stopped).toBe('disk_quota');
    expect(fill.workspace.bytes).toBeGreaterThan(8 * 1024 * 1024);
    // Over the quota, a command may still shrink the workspace.
    const clean = await sb.sh('rm -f part-*.bin; ls | wc -l', { id });
    expect(clean).toMatchObject({ exit_code: 0, stopped: null, stdout: '0\n' });
    expect(await fs.readdir(h.workdir(id))).toEqual([]);
  });

  it('keeps only the first bytes of a flood of output and stops it at its time limit', async () => {
    const r = await sb.sh('yes flood', { timeoutMs: 1500 });

    expect(r).toMatchObject({ stopped: 'timeout', stdout_truncated: true });
    expect(Buffer.byteLength(r.stdout)).toBe(64 * 1024);
  });
});
