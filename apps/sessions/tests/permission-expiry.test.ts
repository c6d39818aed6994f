import {
  PermissionRequestListResponseSchema,
  PermissionRequestSchema,
  ToolCallListResponseSchema,
} from '@platform/contracts';
import { SESSIONS, envelope } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { WRITE, askingRun as askRun, auditOf, runReaches, serviceApi } from './support/run-control';
import { eventually } from '@platform/testing';

let h: SessionsHarness;
let owner: TestUser;

beforeAll(async () => {
  // A short tick so the leader's expiry sweep is seen within a test.
  h = await startSessions({ name: 'permission-expiry', env: { LEADER_TICK_MS: '300' } });
  owner = await h.newUser('owner');
  await h.setQuota(owner.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const askingRun = () => askRun(h, owner);
const makeOverdue = (requestId: string) =>
  h.sessions.db.permissionRequest.update({ where: { id: requestId }, data: { expiresAt: new Date(Date.now() - 1000) } });

const toolCallsOf = async (sessionId: string) =>
  ToolCallListResponseSchema.parse((await owner.api.get(`${SESSIONS}/${sessionId}/tool-calls`)).body).items;

describe('an unanswered permission request', () => {
  it('is expired when the runner reads it after its expiry, and an answer after that is 409', async () => {
    // Asked with a long expiry, then made overdue in the database: no race between the steps and a short expiry.
    const { session, requestId, path } = await askingRun();
    const service = await serviceApi(h);
    const before = await service.get(`/internal/sessions/${session.id}/permissions/${requestId}`);
    await makeOverdue(requestId);

    const after = await service.get(`/internal/sessions/${session.id}/permissions/${requestId}`);
    const late = await owner.api.post(path, { decision: 'allow' });

    expect(PermissionRequestSchema.parse(before.body).status).toBe('pending');
    expect(PermissionRequestSchema.parse(after.body)).toMatchObject({
      status: 'expired',
      decided_by: 'system:timeout',
    });
    expect(late.status).toBe(409);
    expect(envelope(late).details).toMatchObject({ status: 'expired' });
    expect((await owner.api.get(`/internal/sessions/${session.id}/permissions/${requestId}`)).status).toBe(403);
  });

  it('is expired by the leader sweep, which wakes the parked job so the runner goes on (denied)', async () => {
    // The job is parked before the request is overdue, so the sweep's wake-up cannot come before the park.
    const { session, runId, requestId, script } = await askingRun();
    await makeOverdue(requestId);

    await eventually(
      'the job is woken',
      async () => (await h.jobs.getJob(runId))!.getState(),
      (s) => s === 'waiting',
    );

    const list = PermissionRequestListResponseSchema.parse(
      (await owner.api.get(`${SESSIONS}/${session.id}/permissions`)).body,
    );
    expect(list.items[0]).toMatchObject({ id: requestId, status: 'expired' });
    expect((await auditOf(owner, session.id)).map((a) => a.action)).toContain('permission_expired');
    // The runner denies by its timeout rule and the run goes on.
    await h.emit(
      script.decided('tu-w', 'write_file', WRITE, 'deny', 'rule:permission_timeout'),
      script.toolResult('tu-w', 'denied', true),
    );
    await runReaches(owner, session.id, runId, 'running');
    const decision = (await auditOf(owner, session.id)).find((a) => a.action === 'tool_decision');
    expect(decision).toMatchObject({ actor: 'rule:permission_timeout', details: { decision: 'deny' } });
  });

  it('is cancelled with its run when the run ends', async () => {
    const { session, runId, requestId, script } = await askingRun();

    await h.emit(script.failed('gave up'));
    await runReaches(owner, session.id, runId, 'failed');

    const list = PermissionRequestListResponseSchema.parse(
      (await owner.api.get(`${SESSIONS}/${session.id}/permissions`)).body,
    );
    expect(list.items[0]).toMatchObject({ id: requestId, status: 'cancelled' });
    expect((await toolCallsOf(session.id))[0]?.status).toBe('cancelled');
  });
});
