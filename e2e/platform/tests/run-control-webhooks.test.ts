import { SessionSchema, WebhookPayloadSchema } from '@platform/contracts';
import { signUp, type Session } from './support/accounts';
import { expectEnvelope, issuePaths } from './support/http';
import { startPlatform, waitUntil, type Platform } from './support/platform';
import { SESSIONS, createSession, runQuery } from './support/sessions';
import { WEBHOOK_SETTINGS, auditOf, deliveriesOf, putWebhookSettings } from './support/run-control';
import { WebhookReceiver, verifySignature } from '@platform/testing';

jest.setTimeout(40_000);

const BACKOFF_MS = 300;

describe('webhooks to a real local receiver (WEBHOOK_ALLOW_PRIVATE=true)', () => {
  let platform: Platform;
  let receiver: WebhookReceiver;
  let owner: Session;

  beforeAll(async () => {
    [platform, receiver] = await Promise.all([
      startPlatform({
        name: 'e2e-run-control-webhooks',
        sessions: true,
        sessionsEnv: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: String(BACKOFF_MS), WEBHOOK_ATTEMPTS: '5' },
      }),
      WebhookReceiver.start(),
    ]);
    owner = await signUp(platform.api, 'hooked');
    const settings = await putWebhookSettings(owner.as, {});
    receiver.secret = settings.secret!;
  }, 90_000);

  afterAll(async () => {
    await receiver?.close();
    await platform?.stop();
  }, 30_000);

  it('POSTs the finished run, signed with the owner secret, retrying with backoff until the receiver accepts', async () => {
    receiver.failures = 2;
    const session = await createSession(owner.as, { name: 'hooked', webhook_url: receiver.url });

    const run = await runQuery(owner.as, session.id, 'list the files');
    await waitUntil('the third attempt is accepted', async () => receiver.forRun(run.id).length === 3, 15_000);

    const hits = receiver.forRun(run.id);
    expect(hits.map((h) => [h.status, h.signatureValid])).toEqual([
      [500, true],
      [500, true],
      [200, true],
    ]);
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(BACKOFF_MS - 50);
    expect(hits[2]!.at - hits[1]!.at).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 50);
    expect(verifySignature(hits[2]!.headers['x-signature'] as string, hits[2]!.body, 'whsec_not-the-secret')).toBe(
      false,
    );
    const payload = WebhookPayloadSchema.parse(JSON.parse(hits[2]!.body));
    expect(payload).toMatchObject({
      event: 'run.completed',
      session_id: session.id,
      run: { id: run.id, status: 'completed' },
    });
    let deliveries = await deliveriesOf(owner.as, session.id);
    await waitUntil('every attempt is recorded', async () => {
      deliveries = await deliveriesOf(owner.as, session.id);
      return deliveries.at(-1)?.status === 'succeeded';
    });
    expect(deliveries.map((d) => [d.attempt, d.status, d.response_status])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'succeeded', 200],
    ]);
    const audited = (await auditOf(owner.as, session.id)).filter((a) => a.action === 'webhook_delivery');
    expect(audited.map((a) => a.details.status)).toEqual(['failed', 'failed', 'succeeded']);
  });

  it("uses the owner's default webhook for sessions without one", async () => {
    await putWebhookSettings(owner.as, { url: receiver.url });
    const session = await createSession(owner.as, { name: 'default hook' });

    const run = await runQuery(owner.as, session.id, 'hello');

    await waitUntil('the receiver is called', async () => receiver.forRun(run.id).length === 1, 10_000);
    expect(receiver.forRun(run.id)[0]!.signatureValid).toBe(true);
    await putWebhookSettings(owner.as, { url: null });
  });
});

describe('webhook URLs on a platform with the default policy (no internal targets)', () => {
  let platform: Platform;
  let user: Session;

  beforeAll(async () => {
    platform = await startPlatform({ name: 'e2e-run-control-ssrf', sessions: true, shared: true });
    user = await signUp(platform.api, 'ssrf');
    await putWebhookSettings(user.as, {});
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  }, 30_000);

  it.each([
    'http://127.0.0.1:9/hook',
    'http://localhost:8080/hook',
    'http://10.0.0.8/hook',
    'http://172.16.5.4/hook',
    'http://192.168.1.20/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:8080/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[fd00::1]/hook',
    'http://224.0.0.1/hook',
  ])('refuses %s for a session (create and PATCH) and as the default webhook', async (url) => {
    const session = await createSession(user.as, { name: 'target' });

    const created = await user.as.post(SESSIONS, { name: 'ssrf', webhook_url: url });
    const patched = await user.as.patch(`${SESSIONS}/${session.id}`, { webhook_url: url });
    const settings = await user.as.put(WEBHOOK_SETTINGS, { url });

    expect(issuePaths(expectEnvelope(created, 400, 'VALIDATION_ERROR'))).toEqual(['body.webhook_url']);
    expect(issuePaths(expectEnvelope(patched, 400, 'VALIDATION_ERROR'))).toEqual(['body.webhook_url']);
    expect(issuePaths(expectEnvelope(settings, 400, 'VALIDATION_ERROR'))).toEqual(['body.url']);
    expect(SessionSchema.parse((await user.as.get(`${SESSIONS}/${session.id}`)).body).webhook_url).toBeNull();
    await user.as.delete(`${SESSIONS}/${session.id}`);
  });
});
