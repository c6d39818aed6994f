import { SessionSchema } from '@platform/contracts';
import { signIn, signUp, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, waitUntil, type Platform } from './support/platform';
import { SESSIONS, createSession, openStream, runQuery, startQuery } from './support/sessions';
import { answer, auditOf, eventOf, putWebhookSettings, runReaches } from './support/run-control';
import { WebhookReceiver } from '@platform/testing';

jest.setTimeout(60_000);

let platform: Platform;
let receiver: WebhookReceiver;
let owner: Session;

beforeAll(async () => {
  [platform, receiver] = await Promise.all([
    startPlatform({ name: 'e2e-run-control-audit', sessions: true, sessionsEnv: { WEBHOOK_ALLOW_PRIVATE: 'true' } }),
    WebhookReceiver.start(),
  ]);
  owner = await signUp(platform.api, 'audited');
  receiver.secret = (await putWebhookSettings(owner.as, {})).secret!;
}, 90_000);

afterAll(async () => {
  await receiver?.close();
  await platform?.stop();
}, 30_000);

/** Starts a write and answers (or cancels) its permission request once it arrives. */
async function writeAnd(sessionId: string, file: string, then: (runId: string, requestId: string) => Promise<unknown>) {
  const stream = await openStream(platform.gateway.url, owner.tokens.access_token, sessionId);
  try {
    const { run_id: runId } = await startQuery(owner.as, sessionId, `write ${file}: text`);
    const { event } = await eventOf(stream, 'permission_request', runId);
    await then(runId, String(event.data.request_id));
    return runId;
  } finally {
    stream.close();
  }
}

describe("a session's audit log through the gateway", () => {
  it('lists creation, queries, tool decisions with who or which rule decided, permission answers, fork, cancel and webhook deliveries', async () => {
    const me = `user:${owner.user.id}`;
    const session = await createSession(owner.as, {
      name: 'audited',
      options: { permission_mode: 'default' },
      webhook_url: receiver.url,
    });
    await runQuery(owner.as, session.id, 'list the files');
    const allowed = await writeAnd(session.id, 'a.txt', (_runId, requestId) =>
      answer(owner.as, session.id, requestId, 'allow'),
    );
    await runReaches(owner.as, session.id, allowed, 'completed');
    const fork = SessionSchema.parse((await owner.as.post(`${SESSIONS}/${session.id}/fork`, { name: 'branch' })).body);
    const cancelled = await writeAnd(session.id, 'b.txt', (runId) =>
      owner.as.post(`${SESSIONS}/${session.id}/runs/${runId}/cancel`, {}),
    );
    await waitUntil(
      'three deliveries are audited',
      async () => (await auditOf(owner.as, session.id)).filter((a) => a.action === 'webhook_delivery').length === 3,
      15_000,
    );

    const audit = await auditOf(owner.as, session.id);

    const steps = audit
      .filter((a) => a.action !== 'webhook_delivery')
      .map((a) => [a.action, a.actor.startsWith('rule:') ? 'rule' : a.actor]);
    expect(steps).toEqual([
      ['session_created', me],
      ['query', me],
      ['tool_decision', 'rule'],
      ['query', me],
      ['permission_requested', 'service:agent-runner'],
      ['permission_answered', me],
      ['tool_decision', me],
      ['forked', me],
      ['query', me],
      ['permission_requested', 'service:agent-runner'],
      ['run_cancelled', me],
    ]);
    expect(audit.find((a) => a.action === 'tool_decision')!.details).toMatchObject({
      tool: 'list_files',
      decision: 'allow',
    });
    expect(audit.find((a) => a.action === 'forked')!.details).toEqual({ fork_session_id: fork.id });
    expect(audit.find((a) => a.action === 'run_cancelled')!.run_id).toBe(cancelled);
    const deliveries = audit.filter((a) => a.action === 'webhook_delivery');
    expect(deliveries.map((d) => [d.actor, d.details.status])).toEqual([
      ['system:webhooks', 'succeeded'],
      ['system:webhooks', 'succeeded'],
      ['system:webhooks', 'succeeded'],
    ]);
    expect(deliveries.map((d) => d.details.event).sort()).toEqual(['run.cancelled', 'run.completed', 'run.completed']);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
  });

  it('is readable by the owner and admins, and 404 for anyone else', async () => {
    const session = await createSession(owner.as, { name: 'private' });
    const [stranger, admin] = await Promise.all([
      signUp(platform.api, 'stranger'),
      signIn(platform.api, platform.admin),
    ]);

    const asStranger = await stranger.as.get(`${SESSIONS}/${session.id}/audit`);
    const asAdmin = await admin.as.get(`${SESSIONS}/${session.id}/audit`);

    expectEnvelope(asStranger, 404, 'NOT_FOUND');
    expect(asAdmin.status).toBe(200);
    expect((asAdmin.body as { items: Array<{ action: string }> }).items.map((a) => a.action)).toEqual([
      'session_created',
    ]);
  });
});
