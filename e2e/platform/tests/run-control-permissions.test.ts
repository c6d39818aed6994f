import fs from 'node:fs/promises';
import path from 'node:path';
import { PermissionRequestListResponseSchema, type SessionEvent } from '@platform/contracts';
import { signUp, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import {
  SESSIONS,
  createSession,
  eventsUntilEnd,
  openStream,
  replayUntilEnd,
  startQuery,
  toolCallsOf,
} from './support/sessions';
import { answer, auditOf, countTypes, eventOf, getRun } from './support/run-control';

jest.setTimeout(60_000);

const TIMEOUT_MS = 6000;
let platform: Platform;
let owner: Session;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-run-control-permissions',
    sessions: true,
    // The runner looks again only once a minute: a run that resumes sooner was woken by sessions.
    runnerEnv: { PERMISSION_TIMEOUT_MS: String(TIMEOUT_MS), PERMISSION_POLL_MS: '60000' },
  });
  owner = await signUp(platform.api, 'asker');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const fileOf = (sessionId: string, name: string) => path.join(platform.workdirRoot!, sessionId, name);

/** Starts a write in a `default`-mode session and reads its stream up to the permission request. */
async function askToWrite(name: string, text = 'hello') {
  const session = await createSession(owner.as, { name, options: { permission_mode: 'default' } });
  const stream = await openStream(platform.gateway.url, owner.tokens.access_token, session.id);
  const { run_id: runId } = await startQuery(owner.as, session.id, `write ${name}.txt: ${text}`);
  const { event } = await eventOf(stream, 'permission_request', runId);
  return { session, stream, runId, requestId: String(event.data.request_id), request: event };
}

describe('a write in permission mode "default"', () => {
  it('pauses the run until the owner allows it; then the write happens and the run completes', async () => {
    const { session, stream, runId, requestId, request } = await askToWrite('allowed');
    let rest: SessionEvent[];
    try {
      expect(request.data).toMatchObject({ tool: 'write_file', input: { path: 'allowed.txt', content: 'hello' } });
      expect((await getRun(owner.as, session.id, runId)).status).toBe('requires_action');

      expect(await answer(owner.as, session.id, requestId, 'allow')).toMatchObject({
        status: 'allowed',
        decided_by: `user:${owner.user.id}`,
      });
      rest = await eventsUntilEnd(stream, runId, 20_000);
    } finally {
      stream.close();
    }
    expect(rest.at(-1)!.type).toBe('run_completed');
    await expect(fs.readFile(fileOf(session.id, 'allowed.txt'), 'utf8')).resolves.toBe('hello');
    expect(await toolCallsOf(owner.as, session.id)).toEqual([
      expect.objectContaining({ tool: 'write_file', decision: 'allow', status: 'succeeded' }),
    ]);
    const audit = await auditOf(owner.as, session.id);
    expect(audit.filter((a) => a.action === 'tool_decision').map((a) => a.actor)).toEqual([`user:${owner.user.id}`]);
    expectEnvelope(
      await owner.as.post(`${SESSIONS}/${session.id}/permissions/${requestId}`, { decision: 'deny' }),
      409,
      'CONFLICT',
    );
  });

  it('denied: the call is refused, nothing is written and the run still completes', async () => {
    const { session, stream, runId, requestId } = await askToWrite('denied');
    try {
      await answer(owner.as, session.id, requestId, 'deny');
      const rest = await eventsUntilEnd(stream, runId, 20_000);
      expect(rest.at(-1)!.type).toBe('run_completed');
    } finally {
      stream.close();
    }
    await expect(fs.access(fileOf(session.id, 'denied.txt'))).rejects.toThrow();
    expect(await toolCallsOf(owner.as, session.id)).toEqual([
      expect.objectContaining({ decision: 'deny', status: 'denied' }),
    ]);
  });

  it('unanswered: denied once PERMISSION_TIMEOUT_MS has passed, and the run goes on', async () => {
    const { session, stream, runId, requestId } = await askToWrite('ignored');
    const asked = Date.now();
    try {
      const rest = await eventsUntilEnd(stream, runId, TIMEOUT_MS + 15_000);
      expect(rest.at(-1)!.type).toBe('run_completed');
    } finally {
      stream.close();
    }
    expect(Date.now() - asked).toBeGreaterThanOrEqual(TIMEOUT_MS - 500);
    await expect(fs.access(fileOf(session.id, 'ignored.txt'))).rejects.toThrow();
    const requests = PermissionRequestListResponseSchema.parse(
      (await owner.as.get(`${SESSIONS}/${session.id}/permissions`)).body,
    ).items;
    expect(requests).toEqual([expect.objectContaining({ id: requestId, status: 'expired' })]);
    expect(await toolCallsOf(owner.as, session.id)).toEqual([
      expect.objectContaining({ decision: 'deny', status: 'denied' }),
    ]);
  });

  it('allowed with remember: the next write in the session does not ask', async () => {
    const { session, stream, runId, requestId } = await askToWrite('remembered');
    try {
      await answer(owner.as, session.id, requestId, 'allow', true);
      await eventsUntilEnd(stream, runId, 20_000);
      const again = await startQuery(owner.as, session.id, 'write second.txt: again');
      const rest = await eventsUntilEnd(stream, again.run_id, 20_000);
      expect(rest.map((e) => e.type)).not.toContain('permission_request');
    } finally {
      stream.close();
    }
    await expect(fs.readFile(fileOf(session.id, 'second.txt'), 'utf8')).resolves.toBe('again');
    const options = (
      (await owner.as.get(`${SESSIONS}/${session.id}`)).body as { options: { allowed_tools?: string[] } }
    ).options;
    expect(options.allowed_tools).toEqual(['write_file']);
  });
});

describe('a permission wait across an agent-runner restart', () => {
  it('loses nothing: answered while the runner is down, the restarted runner finishes the run once', async () => {
    const { session, stream, runId, requestId } = await askToWrite('restart', 'survived');
    try {
      await platform.runner!.stop();
      await answer(owner.as, session.id, requestId, 'allow');
      expect((await getRun(owner.as, session.id, runId)).status).toBe('running');
      await platform.runner!.restart();

      const rest = await eventsUntilEnd(stream, runId, 30_000);
      expect(rest.at(-1)!.type).toBe('run_completed');
    } finally {
      stream.close();
    }
    await expect(fs.readFile(fileOf(session.id, 'restart.txt'), 'utf8')).resolves.toBe('survived');
    const events = await replayUntilEnd(platform.gateway.url, owner.tokens.access_token, session.id, runId);
    expect(countTypes(events)).toMatchObject({
      run_started: 1,
      permission_request: 1,
      tool_use: 1,
      tool_result: 1,
      run_completed: 1,
    });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });
});
