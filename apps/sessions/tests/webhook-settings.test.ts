import { WebhookDeliveryListResponseSchema, WebhookSettingsSchema } from '@platform/contracts';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { runReaches } from './support/run-control';
import { RunScript } from './support/events';
import { WebhookReceiver, eventually, sleep } from '@platform/testing';

let h: SessionsHarness;
let owner: TestUser;
let receiver: WebhookReceiver;

beforeAll(async () => {
  h = await startSessions({
    name: 'webhook-settings',
    env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '100' },
  });
  owner = await h.newUser('hooked');
  await h.setQuota(owner.id, 50);
  receiver = await WebhookReceiver.start();
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await h?.stop();
}, 30_000);

describe('webhook settings', () => {
  it('show the secret once, when it is created or rotated, and never again', async () => {
    const user = await h.newUser('settings');
    const before = WebhookSettingsSchema.parse((await user.api.get('/api/v1/webhook-settings')).body);

    const created = WebhookSettingsSchema.parse(
      (await user.api.put('/api/v1/webhook-settings', { url: receiver.url })).body,
    );
    const read = WebhookSettingsSchema.parse((await user.api.get('/api/v1/sessions/webhook-settings')).body);
    const kept = WebhookSettingsSchema.parse((await user.api.put('/api/v1/webhook-settings', { url: null })).body);
    const rotated = WebhookSettingsSchema.parse(
      (await user.api.put('/api/v1/webhook-settings', { rotate_secret: true })).body,
    );

    expect(before).toMatchObject({ url: null, has_secret: false });
    expect(created.secret).toMatch(/^whsec_/);
    expect(read).toMatchObject({ url: receiver.url, has_secret: true });
    expect(read.secret).toBeUndefined();
    expect(kept).toMatchObject({ url: null, has_secret: true });
    expect(kept.secret).toBeUndefined();
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const stored = await h.sessions.db.webhookSettings.findUniqueOrThrow({ where: { userId: user.id } });
    expect(stored.secret).not.toContain(rotated.secret!);
  });

  it('are needed before a session can have a webhook (409), and a webhook must be an http(s) URL (400)', async () => {
    const user = await h.newUser('nosecret');

    const res = await user.api.post(SESSIONS, { name: 'hooked', webhook_url: receiver.url });
    const ftp = await owner.api.post(SESSIONS, { name: 'hooked', webhook_url: 'ftp://example.com/x' });

    expect(res.status).toBe(409);
    expect(envelope(res).error).toMatch(/webhook-settings/);
    expect(ftp.status).toBe(400);
    expect(envelope(ftp).details?.issues).toEqual([expect.objectContaining({ path: 'body.webhook_url' })]);
  });
});

describe('a webhook secret that cannot be read', () => {
  it('fails the delivery once, recorded, without retries (it was sealed with another key)', async () => {
    await owner.api.put('/api/v1/webhook-settings', {});
    await h.sessions.db.webhookSettings.update({ where: { userId: owner.id }, data: { secret: 'v1.AAAA.BBBB.CCCC' } });
    const session = await createSession(owner, { webhook_url: receiver.url });
    const { run_id } = await sendQuery(owner, session.id);
    await h.emit(...new RunScript(session.id, run_id).simple());
    await runReaches(owner, session.id, run_id, 'completed');

    const list = async () =>
      WebhookDeliveryListResponseSchema.parse(
        (await owner.api.get(`${SESSIONS}/${session.id}/webhook-deliveries`)).body,
      ).items;
    const [attempt] = await eventually('the attempt is recorded', list, (d) => d[0]?.status === 'failed');
    await sleep(500);

    expect(attempt!.error).toBe('no usable webhook signing secret');
    expect(await list()).toHaveLength(1);
    expect(receiver.forRun(run_id)).toEqual([]);
  });
});
