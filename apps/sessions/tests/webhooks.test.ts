import {
  WebhookDeliveryListResponseSchema,
  WebhookPayloadSchema,
  WebhookSettingsSchema,
  type WebhookDelivery,
} from '@platform/contracts';
import { SESSIONS, createSession, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { auditOf, runReaches, startedRun } from './support/run-control';
import { RunScript } from './support/events';
import { WebhookReceiver, eventually, sleep, verifySignature } from '@platform/testing';

const BACKOFF_MS = 200;
const ATTEMPTS = 4;
let h: SessionsHarness;
let owner: TestUser;
let receiver: WebhookReceiver;
let secret: string;

beforeAll(async () => {
  h = await startSessions({
    name: 'webhooks',
    env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: String(BACKOFF_MS), WEBHOOK_ATTEMPTS: String(ATTEMPTS) },
  });
  owner = await h.newUser('hooked');
  await h.setQuota(owner.id, 50);
  receiver = await WebhookReceiver.start();
  const created = WebhookSettingsSchema.parse((await owner.api.put('/api/v1/webhook-settings', {})).body);
  secret = created.secret!;
  receiver.secret = secret;
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await h?.stop();
}, 30_000);

const deliveriesOf = async (sessionId: string): Promise<WebhookDelivery[]> =>
  WebhookDeliveryListResponseSchema.parse((await owner.api.get(`${SESSIONS}/${sessionId}/webhook-deliveries`)).body)
    .items;

/** A session with the receiver as its webhook whose one run completes. */
async function completedRun(body: Record<string, unknown> = { webhook_url: receiver.url }) {
  const session = await createSession(owner, body);
  const { run_id } = await sendQuery(owner, session.id);
  await h.emit(...new RunScript(session.id, run_id).simple());
  await runReaches(owner, session.id, run_id, 'completed');
  return { session, runId: run_id };
}

describe('when a run ends', () => {
  it("POSTs the run to the session's webhook, signed with the owner's secret, and records the delivery", async () => {
    const { session, runId } = await completedRun();

    const [hit] = await eventually(
      'the receiver is called',
      async () => receiver.forRun(runId),
      (r) => r.length > 0,
    );
    expect(hit!.signatureValid).toBe(true);
    expect(verifySignature(hit!.headers['x-signature'] as string, hit!.body, 'whsec_wrong')).toBe(false);
    expect(hit!.headers['content-type']).toBe('application/json');
    const payload = WebhookPayloadSchema.parse(JSON.parse(hit!.body));
    expect(payload).toMatchObject({
      event: 'run.completed',
      session_id: session.id,
      run: { id: runId, status: 'completed' },
    });
    const deliveries = await eventually(
      'the delivery is recorded',
      () => deliveriesOf(session.id),
      (d) => d[0]?.status === 'succeeded',
    );
    expect(deliveries).toEqual([
      expect.objectContaining({
        run_id: runId,
        url: receiver.url,
        attempt: 1,
        status: 'succeeded',
        response_status: 200,
        error: null,
        event: 'run.completed',
      }),
    ]);
    expect(await auditOf(owner, session.id)).toContainEqual(
      expect.objectContaining({
        action: 'webhook_delivery',
        actor: 'system:webhooks',
        details: expect.objectContaining({ attempt: 1, status: 'succeeded' }),
      }),
    );
    await sleep(300);
    expect(receiver.forRun(runId)).toHaveLength(1);
  });

  it('retries a failing webhook with exponential backoff, recording every attempt', async () => {
    receiver.failures = 2;
    const { session, runId } = await completedRun();

    const deliveries = await eventually(
      'the third attempt succeeds',
      () => deliveriesOf(session.id),
      (d) => d[0]?.status === 'succeeded',
      10_000,
    );

    expect(deliveries.map((d) => [d.attempt, d.status, d.response_status])).toEqual([
      [3, 'succeeded', 200],
      [2, 'failed', 500],
      [1, 'failed', 500],
    ]);
    expect(deliveries[1]!.error).toBe('answered 500');
    const at = receiver.forRun(runId).map((r) => r.at);
    expect(at).toHaveLength(3);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(BACKOFF_MS - 20);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 20);
    expect(receiver.forRun(runId).every((r) => r.signatureValid)).toBe(true);
  });

  it(`gives up after WEBHOOK_ATTEMPTS (${ATTEMPTS}) failed attempts`, async () => {
    receiver.failures = 100;
    const { session } = await completedRun();

    await eventually(
      'every attempt is used',
      () => deliveriesOf(session.id),
      (d) => d.length === ATTEMPTS && d.every((x) => x.status === 'failed'),
      15_000,
    );
    await sleep(8 * BACKOFF_MS);
    receiver.failures = 0;

    expect(await deliveriesOf(session.id)).toHaveLength(ATTEMPTS);
  }, 20_000);

  it("uses the owner's default webhook for a session without its own, and reports cancels as run.cancelled", async () => {
    await owner.api.put('/api/v1/webhook-settings', { url: receiver.url });
    try {
      const { session, runId } = await startedRun(h, owner);
      await owner.api.post(`${SESSIONS}/${session.id}/runs/${runId}/cancel`);

      const [hit] = await eventually(
        'the receiver is called',
        async () => receiver.forRun(runId),
        (r) => r.length > 0,
      );
      expect(JSON.parse(hit!.body)).toMatchObject({ event: 'run.cancelled', run: { status: 'cancelled' } });
      expect(hit!.headers['x-webhook-event']).toBe('run.cancelled');
    } finally {
      await owner.api.put('/api/v1/webhook-settings', { url: null });
    }
  });

  it('sends nothing for a session with no webhook at all', async () => {
    const { session, runId } = await completedRun({});

    await sleep(500);
    expect(receiver.forRun(runId)).toEqual([]);
    expect(await deliveriesOf(session.id)).toEqual([]);
  });

  it('signs with the new secret once it is rotated', async () => {
    const rotated = WebhookSettingsSchema.parse(
      (await owner.api.put('/api/v1/webhook-settings', { rotate_secret: true })).body,
    );
    receiver.secret = rotated.secret!;
    const { runId } = await completedRun();

    const [hit] = await eventually(
      'the receiver is called',
      async () => receiver.forRun(runId),
      (r) => r.length > 0,
    );
    expect(hit!.signatureValid).toBe(true);
    expect(verifySignature(hit!.headers['x-signature'] as string, hit!.body, secret)).toBe(false);
  });
});
