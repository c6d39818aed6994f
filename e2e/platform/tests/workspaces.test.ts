import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { RunSchema } from '@platform/contracts';
import { signUp } from './support/accounts';
import { startPlatform, waitUntil, type Platform } from './support/platform';
import { SESSIONS, createSession, runQuery, startQuery, toolCallsOf } from './support/sessions';

jest.setTimeout(60_000);

let platform: Platform;
let outside: string;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-workspaces', sessions: true });
  // A sibling of the session directories: what no session may touch.
  outside = path.join(platform.workdirRoot!, 'not-a-session');
  await fs.mkdir(outside, { recursive: true });
  await fs.writeFile(path.join(outside, 'keep.txt'), 'keep');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const workdirOf = (sessionId: string) => path.join(platform.workdirRoot!, sessionId);
const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

describe('a deleted session', () => {
  it('loses its working directory, and nothing outside it is touched', async () => {
    const owner = await signUp(platform.api, 'deleter');
    const session = await createSession(owner.as, {
      name: 'short-lived',
      options: { permission_mode: 'accept_edits' },
    });
    const written = await runQuery(owner.as, session.id, 'write notes/plan.md: the plan');
    const dir = workdirOf(session.id);
    expect(written.status).toBe('completed');
    await expect(fs.readFile(path.join(dir, 'notes', 'plan.md'), 'utf8')).resolves.toBe('the plan');
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    await fs.symlink(outside, path.join(dir, 'out'));

    const res = await owner.as.delete(`${SESSIONS}/${session.id}`);

    expect(res.status).toBe(204);
    await waitUntil('the working directory is gone', async () => !(await exists(dir)), 15_000);
    await expect(fs.readFile(path.join(outside, 'keep.txt'), 'utf8')).resolves.toBe('keep');
    expect((await owner.as.get(`${SESSIONS}/${session.id}`)).status).toBe(404);
  });
});

describe('FIFOs in one user’s working directories', () => {
  it('are refused at once, and another user’s tool calls go on as usual', async () => {
    const mallory = await signUp(platform.api, 'fifo-maker');
    const bob = await signUp(platform.api, 'bystander');
    // Four runs at once: as many as the runner has workers, and as many as libuv has threads.
    const traps = await Promise.all([1, 2, 3, 4].map((i) => createSession(mallory.as, { name: `trap ${i}` })));
    for (const trap of traps) {
      await fs.mkdir(workdirOf(trap.id), { recursive: true });
      execFileSync('mkfifo', [path.join(workdirOf(trap.id), 'pipe')]);
    }
    const own = await createSession(bob.as, { name: 'ordinary' });
    await fs.mkdir(workdirOf(own.id), { recursive: true });
    await fs.writeFile(path.join(workdirOf(own.id), 'notes.txt'), 'ordinary notes');

    // Before: each read opened its FIFO and blocked one of the runner's four libuv threads for good.
    const started = await Promise.all(traps.map((trap) => startQuery(mallory.as, trap.id, 'read pipe')));
    const bobsRun = await runQuery(bob.as, own.id, 'read notes.txt');

    expect(bobsRun.status).toBe('completed');
    expect((await toolCallsOf(bob.as, own.id)).map((c) => [c.tool, c.status, c.output])).toEqual([
      ['read_file', 'succeeded', 'ordinary notes'],
    ]);
    for (const [i, trap] of traps.entries()) {
      const runId = started[i]!.run_id;
      await waitUntil(
        'the FIFO run completes',
        async () =>
          RunSchema.parse((await mallory.as.get(`${SESSIONS}/${trap.id}/runs/${runId}`)).body).status === 'completed',
        15_000,
      );
      const [call] = await toolCallsOf(mallory.as, trap.id);
      expect(call).toMatchObject({
        tool: 'read_file',
        status: 'failed',
        is_error: true,
        output: 'Refused: pipe is a FIFO (named pipe), not a regular file.',
      });
    }
  });
});
