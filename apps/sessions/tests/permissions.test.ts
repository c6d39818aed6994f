import {
  PermissionRequestListResponseSchema,
  PermissionRequestSchema,
  SessionSchema,
  ToolCallListResponseSchema,
} from '@platform/contracts';
import { SESSIONS, envelope } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import {
  WRITE,
  askingRun as askRun,
  auditOf,
  getRun,
  newRequestId,
  runReaches,
  serviceApi,
  startedRun,
} from './support/run-control';
import { eventually } from '@platform/testing';

let h: SessionsHarness;
let owner: TestUser;
let other: TestUser;

beforeAll(async () => {
  // A short tick so the leader's expiry sweep is seen within a test.
  h = await startSessions({ name: 'permissions', env: { LEADER_TICK_MS: '300' } });
  [owner, other] = await Promise.all([h.newUser('owner'), h.newUser('other')]);
  await h.setQuota(owner.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const inMinutes = (n: number) => new Date(Date.now() + n * 60_000);
const askingRun = () => askRun(h, owner);

const toolCallsOf = async (sessionId: string) =>
  ToolCallListResponseSchema.parse((await owner.api.get(`${SESSIONS}/${sessionId}/tool-calls`)).body).items;

describe('a permission request from the runner', () => {
  it('pauses the run (requires_action), lists the request as pending and records a pending tool call', async () => {
    const { session, requestId } = await askingRun();

    const list = PermissionRequestListResponseSchema.parse(
      (await owner.api.get(`${SESSIONS}/${session.id}/permissions`, { query: { status: 'pending' } })).body,
    );
    expect(list.items).toEqual([
      expect.objectContaining({ id: requestId, tool: 'write_file', input: WRITE, status: 'pending', decided_by: null }),
    ]);
    expect(await toolCallsOf(session.id)).toEqual([
      expect.objectContaining({ tool: 'write_file', status: 'pending', decision: null }),
    ]);
    expect((await auditOf(owner, session.id)).map((a) => [a.action, a.actor])).toContainEqual([
      'permission_requested',
      'service:agent-runner',
    ]);
  });

  it('is answered by the owner: allowed, recorded with who decided, the run running again and its job woken', async () => {
    const { session, runId, requestId, path, script } = await askingRun();

    const res = await owner.api.post(path, { decision: 'allow' });

    expect(res.status).toBe(200);
    expect(PermissionRequestSchema.parse(res.body)).toMatchObject({
      id: requestId,
      status: 'allowed',
      decided_by: `user:${owner.id}`,
      remember: false,
    });
    expect((await getRun(owner, session.id, runId)).status).toBe('running');
    expect(await (await h.jobs.getJob(runId))!.getState()).toBe('waiting');
    const answered = (await auditOf(owner, session.id)).find((a) => a.action === 'permission_answered');
    expect(answered).toMatchObject({
      actor: `user:${owner.id}`,
      run_id: runId,
      details: { decision: 'allow', tool: 'write_file' },
    });

    // The runner goes on: its tool_use decides the pending call (one call, not two).
    await h.emit(
      script.decided('tu-w', 'write_file', WRITE, 'allow', `user:${owner.id}`),
      script.toolResult('tu-w', 'written'),
    );
    const calls = await eventually(
      'the call succeeds',
      () => toolCallsOf(session.id),
      (c) => c[0]?.status === 'succeeded',
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ decision: 'allow', output: 'written' });
    expect(SessionSchema.parse((await owner.api.get(`${SESSIONS}/${session.id}`)).body).totals.tool_calls).toBe(1);
  });

  it('with remember, adds the tool to allowed_tools (allow) or disallowed_tools (deny)', async () => {
    const allowed = await askingRun();
    const denied = await askingRun();

    await owner.api.post(allowed.path, { decision: 'allow', remember: true });
    await owner.api.post(denied.path, { decision: 'deny', remember: true });

    const optionsOf = async (id: string) =>
      SessionSchema.parse((await owner.api.get(`${SESSIONS}/${id}`)).body).options;
    expect((await optionsOf(allowed.session.id)).allowed_tools).toEqual(['write_file']);
    expect((await optionsOf(denied.session.id)).disallowed_tools).toEqual(['write_file']);
    const history = await (await serviceApi(h)).get(`/internal/sessions/${allowed.session.id}/messages`);
    expect((history.body as { options?: unknown }).options).toMatchObject({ allowed_tools: ['write_file'] });
  });

  it('with remember on a shell command, adds one exact rule per command of its line, and none for a line it cannot analyse', async () => {
    const line = await askRun(h, owner, { tool: 'shell', input: { command: "npm test -- --silent && git status | grep 'a b'" } });
    const opaque = await askRun(h, owner, { tool: 'shell', input: { command: 'curl $(cat url.txt)' } });

    await owner.api.post(line.path, { decision: 'allow', remember: true });
    await owner.api.post(opaque.path, { decision: 'deny', remember: true });

    const optionsOf = async (id: string) => SessionSchema.parse((await owner.api.get(`${SESSIONS}/${id}`)).body).options;
    expect((await optionsOf(line.session.id)).allowed_tools).toEqual(['shell(npm test -- --silent)', 'shell(git status)', "shell(grep 'a b')"]);
    expect((await optionsOf(opaque.session.id)).disallowed_tools).toBeUndefined();
    const answered = (await auditOf(owner, opaque.session.id)).find((a) => a.action === 'permission_answered');
    expect(answered?.details).toMatchObject({ remember: true, remembered: [] });
  });

  it('takes one answer only: a second one is 409, and other people get 404', async () => {
    const { path } = await askingRun();
    const stranger = await other.api.post(path, { decision: 'allow' });

    const first = await owner.api.post(path, { decision: 'deny' });
    const second = await owner.api.post(path, { decision: 'allow' });

    expect(stranger.status).toBe(404);
    expect(first.status).toBe(200);
    expect(PermissionRequestSchema.parse(first.body).status).toBe('denied');
    expect(second.status).toBe(409);
    expect(envelope(second).details).toMatchObject({ status: 'denied' });
  });

  it('lets an admin answer, and refuses a malformed answer with 400', async () => {
    const admin = await h.admin();
    const { path } = await askingRun();

    const bad = await owner.api.post(path, { decision: 'maybe' });
    const res = await admin.api.post(path, { decision: 'allow' });

    expect(bad.status).toBe(400);
    expect(envelope(bad).details?.issues).toEqual([expect.objectContaining({ path: 'body.decision' })]);
    expect(res.status).toBe(200);
    expect(PermissionRequestSchema.parse(res.body).decided_by).toBe(`user:${admin.id}`);
  });
});

describe('several permission requests of one turn', () => {
  it('keep the run paused until every one is answered', async () => {
    const run = await startedRun(h, owner);
    const [first, second] = [newRequestId(), newRequestId()];
    await h.emit(
      run.script.permissionRequest(first, 'tu-a', 'write_file', { path: 'a' }, inMinutes(5)),
      run.script.permissionRequest(second, 'tu-b', 'write_file', { path: 'b' }, inMinutes(5)),
    );
    await runReaches(owner, run.session.id, run.runId, 'requires_action');
    const answer = (id: string) =>
      owner.api.post(`${SESSIONS}/${run.session.id}/permissions/${id}`, { decision: 'allow' });

    await answer(first);
    // The runner goes on with the first call, then waits for the second answer.
    await h.emit(
      run.script.decided('tu-a', 'write_file', { path: 'a' }, 'allow', `user:${owner.id}`),
      run.script.toolResult('tu-a', 'written'),
    );
    await eventually(
      'the first call is done',
      () => toolCallsOf(run.session.id),
      (c) => c.some((x) => x.status === 'succeeded'),
    );
    const paused = await getRun(owner, run.session.id, run.runId);
    await answer(second);

    expect(paused.status).toBe('requires_action');
    expect((await getRun(owner, run.session.id, run.runId)).status).toBe('running');
  });
});
