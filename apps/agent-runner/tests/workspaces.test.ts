import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RunEvent } from '@platform/contracts';
import { RunnerHarness } from './support/harness';

jest.setTimeout(60_000);

const h = new RunnerHarness();
let outside: string;

beforeAll(async () => {
  await h.start();
  outside = path.join(h.workdirRoot, 'not-a-session');
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, 'keep.txt'), 'keep');
});
afterAll(() => h.close());
afterEach(() => h.stopRunners());

const toolResults = (events: RunEvent[]) =>
  events.flatMap((e) => (e.type === 'tool_result' ? [{ output: e.data.output, is_error: e.data.is_error }] : []));

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

/** A working directory with what a session can leave behind: files, a FIFO, a link out, a hard link, nesting. */
async function populate(sessionId: string): Promise<string> {
  const dir = h.workdir(sessionId);
  await fs.mkdir(path.join(dir, 'src', 'deep'), { recursive: true });
  await fs.writeFile(path.join(dir, 'src', 'deep', 'a.txt'), 'a');
  execFileSync('mkfifo', [path.join(dir, 'pipe')]);
  await fs.symlink(outside, path.join(dir, 'out'));
  await fs.link(path.join(outside, 'keep.txt'), path.join(dir, 'keep-link.txt'));
  return dir;
}

describe('deleting a working directory', () => {
  it('waits for a runner when none is up, then removes the directory without touching anything outside', async () => {
    const sessionId = randomUUID();
    const dir = await populate(sessionId);

    const job = await h.queue.add(
      'delete-workspace',
      { v: 1, session_id: sessionId },
      { jobId: `delete-${sessionId}`, attempts: 10 },
    );
    expect(await job.getState()).toBe('waiting');
    expect(await exists(dir)).toBe(true);
    await h.startRunner();

    await h.waitForJobState(job.id!, ['completed']);
    expect((await h.queue.getJob(job.id!))?.returnvalue).toEqual({ result: 'deleted' });
    expect(await exists(dir)).toBe(false);
    await expect(fs.readFile(path.join(outside, 'keep.txt'), 'utf8')).resolves.toBe('keep');
  });

  it('never lets a run (a file tool or a shell command) or a fork that arrives later recreate it', async () => {
    await h.startRunner({}, {});
    const sessionId = randomUUID();
    await populate(sessionId);
    const deletion = await h.queue.add('delete-workspace', { v: 1, session_id: sessionId });
    await h.waitForJobState(deletion.id!, ['completed']);

    const events = await h.query(sessionId, 'write late.txt: too late', { permission_mode: 'accept_edits' });
    const command = await h.query(sessionId, 'run: echo too late > late.txt', { permission_mode: 'bypass' });
    const source = randomUUID();
    await populate(source);
    const fork = await h.queue.add('fork-workspace', { v: 1, from_session_id: source, to_session_id: sessionId });
    await h.waitForJobState(fork.id!, ['completed']);

    expect(toolResults(events)).toEqual([
      { output: 'This session has been deleted; its working directory is gone.', is_error: true },
    ]);
    expect(events.at(-1)?.type).toBe('run_completed');
    expect(toolResults(command)).toEqual([
      { output: 'This session has been deleted; its working directory is gone.', is_error: true },
    ]);
    expect((await h.queue.getJob(fork.id!))?.returnvalue).toEqual({ result: 'deleted' });
    expect(await exists(h.workdir(sessionId))).toBe(false);
  });
});

describe('hostile files in a working directory', () => {
  it('refuses FIFOs at once, so reads of them do not hold up other sessions (4 workers, 4 libuv threads)', async () => {
    await h.startRunner({ WORKER_CONCURRENCY: '4' });
    const fifoSessions = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const id of fifoSessions) {
      await fs.mkdir(h.workdir(id), { recursive: true });
      execFileSync('mkfifo', [path.join(h.workdir(id), 'pipe')]);
    }
    const other = randomUUID();
    await fs.mkdir(h.workdir(other));
    await fs.writeFile(path.join(h.workdir(other), 'notes.txt'), 'ordinary notes');

    // Before: each read opened the FIFO and blocked a libuv thread for good; four of them stopped every file operation.
    const fifoRuns = await Promise.all(fifoSessions.map((id) => h.query(id, 'read pipe')));
    const otherRun = await h.query(other, 'read notes.txt');

    for (const events of fifoRuns) {
      expect(toolResults(events)).toEqual([
        { output: 'Refused: pipe is a FIFO (named pipe), not a regular file.', is_error: true },
      ]);
      expect(events.at(-1)?.type).toBe('run_completed');
    }
    expect(toolResults(otherRun)).toEqual([{ output: 'ordinary notes', is_error: false }]);
  });

  it('refuses a hard link to a file outside and a write past the quota, telling the model why', async () => {
    await h.startRunner({ WORKSPACE_QUOTA_BYTES: String(1024 * 1024) });
    const sessionId = randomUUID();
    await populate(sessionId);
    await fs.writeFile(path.join(h.workdir(sessionId), 'big.bin'), Buffer.alloc(1024 * 1024 - 100));

    const read = await h.query(sessionId, 'read keep-link.txt');
    const write = await h.query(sessionId, 'write more.txt: a few hundred bytes '.padEnd(400, '.'), {
      permission_mode: 'accept_edits',
    });

    expect(toolResults(read)).toEqual([
      { output: expect.stringMatching(/^Refused: keep-link.txt has \d+ hard links/), is_error: true },
    ]);
    expect(toolResults(write)).toEqual([
      {
        output: expect.stringMatching(
          /^Refused: writing more.txt needs .* but the working directory already uses .* of its 1 MiB quota/,
        ),
        is_error: true,
      },
    ]);
    expect(await exists(path.join(h.workdir(sessionId), 'more.txt'))).toBe(false);
  });

  it('forks within the quota only, never copying FIFOs or hard-linked files', async () => {
    await h.startRunner({ WORKSPACE_QUOTA_BYTES: String(1024 * 1024), WORKSPACE_MAX_FILES: '20000' });
    const [from, to, big, bigFork] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await populate(from);
    await fs.mkdir(h.workdir(big));
    await fs.writeFile(path.join(h.workdir(big), 'huge.bin'), Buffer.alloc(2 * 1024 * 1024));

    const copy = await h.queue.add('fork-workspace', { v: 1, from_session_id: from, to_session_id: to });
    const refused = await h.queue.add('fork-workspace', { v: 1, from_session_id: big, to_session_id: bigFork });
    await h.waitForJobState(copy.id!, ['completed']);
    await h.waitForJobState(refused.id!, ['completed']);

    expect((await h.queue.getJob(copy.id!))?.returnvalue).toMatchObject({
      result: 'copied',
      skipped: { special: 1, hard_linked: 1 },
    });
    expect((await fs.readdir(h.workdir(to))).sort()).toEqual(['out', 'src']);
    expect((await h.queue.getJob(refused.id!))?.returnvalue).toEqual({
      result: 'over_quota',
      usage: { bytes: 2 * 1024 * 1024, files: 1 },
      limits: { bytes: 1024 * 1024, files: 20_000 },
    });
    expect(await exists(h.workdir(bigFork))).toBe(false);
  });
});
