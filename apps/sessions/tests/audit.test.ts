import { AuditListResponseSchema, SessionSchema } from '@platform/contracts';
import { SESSIONS, envelope } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { auditOf, newRequestId, runReaches, startedRun } from './support/run-control';
import { WebhookReceiver, eventually } from '@platform/testing';

let h: SessionsHarness;
let owner: TestUser;
let other: TestUser;
let receiver: WebhookReceiver;

beforeAll(async () => {
  h = await startSessions({ name: 'audit', env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  [owner, other] = await Promise.all([h.newUser('audited'), h.newUser('other')]);
  await h.setQuota(owner.id, 50);
  receiver = await WebhookReceiver.start();
  await owner.api.put('/api/v1/webhook-settings', {});
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await h?.stop();
}, 30_000);

describe("a session's audit log", () => {
  it('records who did what: creation, queries, tool decisions, permission answers, fork, cancel and webhook deliveries', async () => {
    const { session, runId, script } = await startedRun(h, owner, { name: 'audited', webhook_url: receiver.url });
    const requestId = newRequestId();
    await h.emit(
      script.toolUse('tu-1', 'list_files', {}, 'allow', null),
      script.toolResult('tu-1', 'a.txt'),
      script.permissionRequest(requestId, 'tu-2', 'write_file', { path: 'a.txt' }, new Date(Date.now() + 60_000)),
    );
    await runReaches(owner, session.id, runId, 'requires_action');
    await owner.api.post(`${SESSIONS}/${session.id}/permissions/${requestId}`, { decision: 'allow', remember: true });
    await h.emit(script.decided('tu-2', 'write_file', { path: 'a.txt' }, 'allow', `user:${owner.id}`));
    await eventually(
      'the decision is recorded',
      () => auditOf(owner, session.id),
      (a) => a.filter((e) => e.action === 'tool_decision').length === 2,
    );
    const fork = SessionSchema.parse((await owner.api.post(`${SESSIONS}/${session.id}/fork`, { name: 'branch' })).body);
    await owner.api.post(`${SESSIONS}/${session.id}/runs/${runId}/cancel`, { reason: 'enough' });
    await eventually(
      'the delivery is audited',
      () => auditOf(owner, session.id),
      (a) => a.some((e) => e.action === 'webhook_delivery'),
    );

    const entries = (await auditOf(owner, session.id)).reverse();

    const me = `user:${owner.id}`;
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['session_created', me],
      ['query', me],
      ['tool_decision', 'rule:policy'],
      ['permission_requested', 'service:agent-runner'],
      ['permission_answered', me],
      ['tool_decision', me],
      ['forked', me],
      ['run_cancelled', me],
      ['webhook_delivery', 'system:webhooks'],
    ]);
    const byAction = Object.fromEntries(entries.map((e) => [e.action, e]));
    expect(byAction.session_created!.details).toMatchObject({ name: 'audited', webhook_url: receiver.url });
    expect(byAction.permission_answered).toMatchObject({
      run_id: runId,
      details: { request_id: requestId, decision: 'allow', remember: true },
    });
    expect(byAction.run_cancelled!.details).toEqual({ reason: 'enough' });
    expect(byAction.forked!.details).toEqual({ fork_session_id: fork.id });
    expect(byAction.webhook_delivery!.details).toMatchObject({
      event: 'run.cancelled',
      status: 'succeeded',
      response_status: 200,
    });
    expect((await auditOf(owner, fork.id)).map((e) => [e.action, e.details.forked_from])).toEqual([
      ['session_created', session.id],
    ]);
  });

  it('is for the owner and admins only (404 for others), filters by action and pages with a cursor', async () => {
    const { session } = await startedRun(h, owner);
    const admin = await h.admin();
    const path = `${SESSIONS}/${session.id}/audit`;

    const stranger = await other.api.get(path);
    const asAdmin = AuditListResponseSchema.parse((await admin.api.get(path)).body);
    const queries = AuditListResponseSchema.parse((await owner.api.get(path, { query: { action: 'query' } })).body);
    const page1 = AuditListResponseSchema.parse((await owner.api.get(path, { query: { limit: 1 } })).body);
    const page2 = AuditListResponseSchema.parse(
      (await owner.api.get(path, { query: { limit: 1, cursor: page1.next_cursor! } })).body,
    );
    const badCursor = await owner.api.get(path, { query: { cursor: 'nope' } });

    expect(stranger.status).toBe(404);
    expect(envelope(stranger).error).toBe('Session not found');
    expect(asAdmin.items.map((e) => e.action)).toEqual(['query', 'session_created']);
    expect(queries.items.map((e) => e.action)).toEqual(['query']);
    expect([...page1.items, ...page2.items].map((e) => e.action)).toEqual(['query', 'session_created']);
    expect(page2.next_cursor).toBeNull();
    expect(badCursor.status).toBe(400);
  });
});
